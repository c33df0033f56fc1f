"""How tokenizers work: one part at a time, chosen by a switch that travels in the link."""

from importlib import import_module

import streamlit as st

from components.page_state import PageState
from components.progress import book_tokenizers_with_progress
from tokenlens.tokenization.workings_link import PART_LABELS, PARTS, workings_fields

# Each part's section, imported when it is shown: a run loads only what its part needs.
SECTIONS = {"step": ("components.workings_step", "step_section"),
            "train": ("components.workings_training", "training_section"),
            "vocab": ("components.workings_vocabulary", "vocabulary_section"),
            "cost": ("components.workings_cost", "cost_section")}

st.title("🔍 How tokenizers work")
st.caption("Watch a tokenizer cut a word step by step, train one, look inside a vocabulary, and see what "
           "each language costs in tokens.")

state = PageState("how", workings_fields(book_tokenizers_with_progress()))
st.segmented_control("Part", PARTS, **state.bind("part"), required=True, format_func=PART_LABELS.get,
                     label_visibility="collapsed")
module_name, function_name = SECTIONS[state["part"]]
getattr(import_module(module_name), function_name)(state)
state.sync()
