"""Settings the operator keeps in st.secrets that libraries read from the environment.

Community Cloud has no shell to export variables: its Secrets box becomes st.secrets. huggingface_hub
reads HF_TOKEN from the environment at every call, so copying it there once, before the page asks
the hub for anything, is all gated or private repos need. The token is never shown or logged.
"""

from __future__ import annotations

import os

from components.model_status import operator_setting

HUB_TOKEN = "HF_TOKEN"


def export_hub_token() -> bool:
    """Put st.secrets' HF_TOKEN into the environment unless the environment already has one (an
    operator's explicit variable wins). True when it was copied."""
    if os.environ.get(HUB_TOKEN):
        return False
    token = operator_setting(HUB_TOKEN)
    if not isinstance(token, str) or not token.strip():
        return False
    os.environ[HUB_TOKEN] = token.strip()
    return True
