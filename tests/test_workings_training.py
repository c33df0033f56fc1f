"""Training a tokenizer in class (issue 12, part "train"): real trainers, real corpora, real gpt2.

The golden (tests/golden/trained_vocabularies.json) was written by `write_golden()` below on the
Python whose standard library it names: the bundled corpus is that install's own text, so on
another Python the corpus digest differs and the golden comparison is skipped, saying so.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import require_hub
from streamlit.testing.v1 import AppTest
from tokenizers import Tokenizer

from components import resources
from tokenlens import url_state
from tokenlens.tokenization import training
from tokenlens.tokenization.training import (ALGORITHMS, MAX_PASTED_BYTES, TRAINING_FIELDS, UNIGRAM_MAX_CHARS,
                                             bundled_corpus, chunks, merges_digest, pasted_corpus, train,
                                             vocabulary_digest)

GOLDEN = Path(__file__).parent / "golden" / "trained_vocabularies.json"
GOLDEN_SIZE = 1_000
# A text the class might paste: scripts, emoji, a character cut by UTF-8 bytes, CRLF, tabs, controls.
MIXED = ("Tokenizers learn from text. Les tokeniseurs apprennent. 分词器从文本中学习。 Токенизаторы учатся.\r\n"
         "\tdef f(x):  return x ** 2  # 🎵🎶👩‍👩‍👧 naïve café\x00\x1b[0m end\n") * 40


@pytest.fixture(scope="module")
def docs():
    return bundled_corpus("docs")


@pytest.fixture(scope="module")
def trained(docs):
    return {algorithm: train(docs, algorithm, GOLDEN_SIZE) for algorithm in ALGORITHMS}


def _golden_entry(found) -> dict:
    tokenizer = found.tokenizer
    entry = {"entries": found.entries, "vocabulary_sha256": vocabulary_digest(tokenizer),
             "first": [piece.entry for piece in found.learned]}
    if found.algorithm == "bpe":
        entry["merges_sha256"] = merges_digest(tokenizer)
    else:  # the whole set, to count how many entries differ (see test_a_fixed_corpus_gives_a_fixed_vocabulary)
        entry["vocabulary"] = sorted(tokenizer.get_vocab())
    return entry


def write_golden() -> None:
    """Rewrite the golden from this install (only when the corpus or the trainers' setup changes on
    purpose): PYTHONPATH=.:tests python -c 'import test_workings_training as t; t.write_golden()'"""
    corpus = bundled_corpus("docs")
    document = {"note": "Trained on the bundled 'docs' corpus (Python's help texts) at vocabulary size "
                        f"{GOLDEN_SIZE}; written by tests/test_workings_training.py::write_golden.",
                "python": training.python_version(), "corpus_sha256": corpus.digest, "vocab_size": GOLDEN_SIZE,
                "algorithms": {a: _golden_entry(train(corpus, a, GOLDEN_SIZE)) for a in ALGORITHMS}}
    GOLDEN.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- The corpus -----------------------------------------------------------------------------------

def test_bundled_corpora_are_this_python_and_named_honestly(docs):
    import pydoc_data.topics

    assert docs.documents == tuple(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    assert 300_000 < docs.chars < 2_000_000 and training.python_version() in docs.name
    assert f"{len(pydoc_data.topics.topics)} topics" in docs.name
    code = bundled_corpus("code")
    assert code.utf8_bytes() > 2_000_000 and "def " in code.documents[0]  # a few megabytes of real code
    assert f"{len(code.documents)} top-level standard-library modules" in code.name
    assert bundled_corpus("code").digest == code.digest != docs.digest


def test_pasted_text_is_bounded_at_a_character_boundary():
    long = "é" * (MAX_PASTED_BYTES // 2) + "🎵" * 10  # 2 bytes each, then 4-byte emoji past the bound
    corpus = pasted_corpus(long)
    assert corpus.documents == ("é" * (MAX_PASTED_BYTES // 2),)
    assert "2 MB" in corpus.notice and corpus.utf8_bytes() == MAX_PASTED_BYTES
    odd = pasted_corpus("ab" + "🎵" * (MAX_PASTED_BYTES // 4), max_bytes=9)
    assert odd.documents == ("ab🎵",) and odd.notice  # 2 + 4 bytes fit; the next emoji would be cut in half
    assert pasted_corpus("short").notice == "" and pasted_corpus("").documents == ()


def test_unigram_reads_a_bounded_slice_and_says_so():
    code = bundled_corpus("code")
    documents, notice = training.training_slice(code, "unigram")
    assert sum(map(len, documents)) == UNIGRAM_MAX_CHARS and "".join(documents) == "".join(code.documents)[
        :UNIGRAM_MAX_CHARS]
    assert "first 0.5 of these 4.7 million characters" in notice
    assert training.training_slice(code, "bpe") == (code.documents, "")


def test_chunks_cut_where_the_pre_tokenizers_cut_anyway():
    code = bundled_corpus("code")
    document = max(code.documents, key=len)
    pieces = list(chunks(document))
    assert "".join(pieces) == document and len(pieces) > 50
    assert all(piece.startswith("\n") and not previous[-1].isspace() for previous, piece in zip(pieces, pieces[1:]))
    for algorithm in ("bpe", "wordpiece"):  # the trainer's pre-tokenizer sees the same words either way
        pre = training.new_tokenizer(algorithm, 300)[0].pre_tokenizer
        whole = [word for word, _ in pre.pre_tokenize_str(document)]
        assert [word for piece in pieces for word, _ in pre.pre_tokenize_str(piece)] == whole


# --- Training -------------------------------------------------------------------------------------

def test_a_fixed_corpus_gives_a_fixed_vocabulary(docs, trained):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if docs.digest != golden["corpus_sha256"]:
        pytest.skip(f"the golden was trained on Python {golden['python']}'s help texts; this is "
                    f"{training.python_version()}, whose texts differ")
    for algorithm in ALGORITHMS:
        expected, found = golden["algorithms"][algorithm], _golden_entry(trained[algorithm])
        assert found["entries"] == expected["entries"] == GOLDEN_SIZE
        assert found["first"] == expected["first"], algorithm
        if algorithm == "bpe":  # byte-level BPE: exactly the same merges, in the same order, every run
            assert found["merges_sha256"] == expected["merges_sha256"]
            assert found["vocabulary_sha256"] == expected["vocabulary_sha256"]
        else:
            # The library's WordPiece and Unigram trainers keep words in hash maps seeded at random per
            # process: pairs or pieces that tie at the cut-off may swap (1 of 1,000 seen). Any change
            # of corpus, trainer or setting moves far more than 1 %.
            differ = set(found["vocabulary"]) ^ set(expected["vocabulary"])
            assert len(differ) <= 2 * GOLDEN_SIZE // 100, (algorithm, sorted(differ)[:20])


def test_byte_level_bpe_round_trips_its_corpus_exactly(docs, trained):
    bpe = trained["bpe"].tokenizer
    text = "".join(docs.documents)
    assert bpe.decode(bpe.encode(text).ids) == text
    own = train(pasted_corpus(MIXED), "bpe", 400)  # the class's own text, emoji and controls included
    ids = own.tokenizer.encode(MIXED).ids
    assert own.tokenizer.decode(ids) == MIXED and len(ids) < len(MIXED.encode("utf-8")) / 2
    unseen = "Ünïcödé never seen: ⊕ 𝔘 🦜"  # bytes the corpus never had still round-trip
    assert own.tokenizer.decode(own.tokenizer.encode(unseen).ids) == unseen


def test_bpe_shows_its_merges_in_learned_order(trained):
    found = trained["bpe"]
    merges = json.loads(found.tokenizer.to_str())["model"]["merges"]
    assert [list(piece.parts) for piece in found.learned] == merges[:training.LEARNED_SHOWN]
    for piece in found.learned:  # a merge's entry is the id right after the 256 bytes, in order
        assert piece.token_id == 255 + piece.rank and piece.entry == "".join(piece.parts)
    the = next(piece for piece in found.learned if piece.entry == "Ġthe")
    assert the.text == " the" and found.alphabet_size == 256
    assert found.learned[0].rank == 1 and training.entry_text("Ġâ", "BPE") == " \\xe2"  # half a character


def test_wordpiece_pieces_are_the_bpe_order_its_trainer_keeps(trained):
    found = trained["wordpiece"]
    vocab = found.tokenizer.get_vocab()
    first_learned = min(token_id for entry, token_id in vocab.items() if len(entry.removeprefix("##")) > 1
                        and entry != "[UNK]")
    assert found.alphabet_size == first_learned  # single characters (and ##-forms) first, then what was learned
    assert [piece.token_id for piece in found.learned] == list(range(first_learned, first_learned + 40))
    assert all(len(piece.text) > 1 and piece.text == piece.entry.removeprefix("##") for piece in found.learned)
    assert "the" in [piece.entry for piece in found.learned]


def test_unigram_shows_its_most_probable_pieces(trained):
    found = trained["unigram"]
    scores = dict(json.loads(found.tokenizer.to_str())["model"]["vocab"])
    longer = sorted((score for piece, score in scores.items() if len(piece) > 1 and piece != "<unk>"), reverse=True)
    assert [round(piece.score, 9) for piece in found.learned] == [round(s, 9) for s in longer[:training.LEARNED_SHOWN]]
    assert found.learned[0].entry == "\u2581the" and found.learned[0].text == " the"
    assert "first 0.5" not in found.notice  # the help texts fit Unigram's bound whole
    rows = training.learned_rows(found)
    assert rows[0]["text"] == "·the" and rows[0]["log p"] == round(found.learned[0].score, 3)


def test_progress_is_reported_from_the_calling_thread():
    code = bundled_corpus("code")
    seen: list[tuple[float, str, int]] = []
    found = train(code, "bpe", 600, on_progress=lambda f, m: seen.append((f, m, threading.get_ident())))
    assert {ident for *_, ident in seen} == {threading.get_ident()}
    fractions = [fraction for fraction, *_ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len({f for f in fractions if f < 0.9}) >= 3  # the bar moves while the corpus is read
    assert seen[-1][1] == f"Trained in {found.seconds:.1f} s" and found.trained_chars == code.chars
    assert found.seconds < 60  # seconds, not minutes (4.7 MB took 5-7 s on two busy cores)


def test_a_tiny_text_learns_what_it_can():
    found = train(pasted_corpus("hello hello"), "bpe", 10_000)
    assert found.entries < 10_000 and found.tokenizer.encode("hello hello").tokens == ["hello", "Ġhello"]
    assert [piece.text for piece in found.learned][-1] == " hello"


def test_a_refused_training_says_why():
    with pytest.raises(training.TrainingFailed, match="no text"):
        train(pasted_corpus(""), "bpe", 1000)
    with pytest.raises(ValueError):
        training.new_tokenizer("sentencepiece", 1000)


def test_training_fields_read_a_link_safely():
    fields = {field.param: field for field in TRAINING_FIELDS}
    assert all(param.startswith("train_") for param in fields)
    read = url_state.read({"train_algo": ["unigram"], "train_size": ["2500"], "train_corpus": ["code"]},
                          TRAINING_FIELDS)
    assert read["train_algo"] == "unigram" and read["train_size"] == 2500 and read["train_corpus"] == "code"
    for bad in ({"train_size": ["12345678"]}, {"train_size": ["250"]}, {"train_size": ["1050"]},
                {"train_algo": ["<script>"]}, {"train_corpus": ["/etc/passwd"]}):
        assert url_state.read(bad, TRAINING_FIELDS) == url_state.read({}, TRAINING_FIELDS)
    assert "pasted" not in {field.param for field in TRAINING_FIELDS}  # a pasted corpus is never in a link


def test_trained_tokenizers_are_kept_once_and_within_budget(fresh_caches, docs):
    corpus = resources.training_corpus("docs")
    assert corpus is resources.training_corpus("docs") and corpus.digest == docs.digest
    calls = []
    first = resources.trained_tokenizer(corpus, "wordpiece", 500, on_progress=lambda f, m: calls.append(f))
    assert calls and resources.has_trained_tokenizer(corpus, "wordpiece", 500)
    again = resources.trained_tokenizer(corpus, "wordpiece", 500, on_progress=lambda f, m: calls.append(-1.0))
    assert again is first and -1.0 not in calls
    stats = {s.name: s for s in resources.cache_stats()}
    assert stats["trained tokenizers"].bytes == first.nbytes <= stats["trained tokenizers"].budget
    assert stats["training corpora"].bytes == corpus.nbytes <= stats["training corpora"].budget


# --- The section, under AppTest -------------------------------------------------------------------

def _section_script():
    from components.page_state import PageState
    from components.workings_training import training_section
    from tokenlens.tokenization.training import TRAINING_FIELDS
    from tokenlens.url_state import Field

    state = PageState("how", TRAINING_FIELDS + (Field("part", "train", choices=("step", "train", "vocab", "cost")),))
    training_section(state)
    state.sync()


@pytest.fixture()
def section():
    require_hub("gpt2")
    return AppTest.from_function(_section_script, default_timeout=240)


def _panels(section) -> str:
    return "".join(element.proto.srcdoc for element in section.get("iframe"))


def test_section_trains_and_cuts_beside_gpt2(section, trained):
    section.run()
    assert not section.exception
    found = trained["bpe"]
    table = section.dataframe[0].value
    assert table["merge"].tolist()[:3] == [f"{a} + {b}" for a, b in (p.parts for p in found.learned[:3])]
    assert table["id"].tolist() == [piece.token_id for piece in found.learned]
    summary = section.caption[1].value
    assert f"**{found.entries:,} entries**: 256 bytes to start from and {found.entries - 256:,} learned" in summary
    assert "Trained BPE</strong> · <code>trained/bpe-1000</code> · byte-level BPE" in _panels(section)
    panels = _panels(section)
    assert panels.count('class="tl-panel"') == 2 and "<code>gpt2</code>" in panels
    sample = training.SAMPLE_TEXT
    gpt2 = Tokenizer.from_file(resources.tokenizer("gpt2").source.path)
    for tokenizer in (found.tokenizer, gpt2):  # each panel's count is that tokenizer's own
        assert f"<strong>{len(tokenizer.encode(sample).ids):,} tokens</strong>" in panels
    assert dict(section.query_params) == {}  # the default view's link is the shortest


def test_section_follows_its_link_and_its_widgets(section):
    section.query_params["train_algo"] = "unigram"
    section.query_params["train_size"] = "500"
    section.query_params["train_text"] = "<b>naïve</b> *bold* `code`"
    section.run()
    assert not section.exception
    assert section.session_state["how.train_algo"] == "unigram" and section.session_state["how.train_size"] == 500
    assert "log p" in section.dataframe[0].value.columns
    panels = _panels(section)
    assert "&lt;b&gt;" in panels and "<b>naïve" not in panels  # the sample is shown as text, never as HTML
    section.slider(key="how.train_size").set_value(600).run()
    section.segmented_control(key="how.train_algo").set_value("wordpiece").run()
    assert not section.exception and section.query_params["train_size"] == "600"
    assert section.query_params["train_algo"] == "wordpiece" and "merge" not in section.dataframe[0].value.columns


def test_section_trains_on_pasted_text_and_keeps_it_out_of_the_link(section):
    section.query_params["train_corpus"] = "pasted"
    section.run()
    assert "Paste a text to train on" in section.info[0].value
    section.text_area(key="how.train_pasted").input(MIXED).run()
    assert not section.exception
    summary = section.caption[1].value.replace("\\", "")
    assert f"Trained on the pasted text, {len(MIXED):,} characters, in" in summary
    assert dict(section.query_params) == {"train_corpus": "pasted"}  # the pasted text stays out of the link


# --- In a real browser ----------------------------------------------------------------------------

def _open_training(page, url: str) -> None:
    from browser import wait_for_app

    page.goto(url)
    wait_for_app(page)
    page.get_by_text("Trained on").first.wait_for(timeout=180_000)
    wait_for_app(page)


def test_training_in_a_browser_follows_clicks_and_fits_the_first_screen(app_server, artifacts):
    from browser import (button_checked, choose_select, chromium_page, group_button, pause_like_a_person, settle,
                         type_into, wait_for_url)

    require_hub("gpt2")
    with chromium_page((1280, 800)) as page:
        _open_training(page, app_server + "/how?part=train")
        assert button_checked(page, "Algorithm", "BPE")
        assert page.get_by_text("First merges, in the order learned").is_visible()
        page.screenshot(path=str(artifacts / "workings-train-light.png"))
        pause_like_a_person(page)
        group_button(page, "Algorithm", "Unigram").click()
        settle(page, 180_000)
        wait_for_url(page, lambda found: found.get("train_algo") == ["unigram"])
        assert page.get_by_text("Most probable pieces").is_visible()
        frame = page.frame_locator("iframe").first
        assert frame.locator(".tl-panel").count() == 2
        pause_like_a_person(page)
        choose_select(page, "Corpus", "Your own text")
        settle(page, 180_000)
        type_into(page, "stTextArea", "Text to train on", "low lower lowest newer newest <b>wider</b>\n" * 50)
        settle(page, 180_000)
        page.get_by_text("Trained on the pasted text").first.wait_for(timeout=60_000)
        assert wait_for_url(page, lambda found: found.get("train_corpus") == ["pasted"]).keys() == {
            "part", "train_algo", "train_corpus"}  # the pasted text is not in the link
        page.screenshot(path=str(artifacts / "workings-train-pasted.png"), full_page=True)
    with chromium_page((1280, 800), color_scheme="dark") as page:
        _open_training(page, app_server + "/how?part=train&train_algo=wordpiece&big=1")
        assert page.get_by_text("First pieces, in the order learned").is_visible()
        page.screenshot(path=str(artifacts / "workings-train-projector-dark.png"))
