"""FormCoach's web app: ``streamlit run streamlit_app.py``.

Thin on purpose: each page is a module in ``formcoach/app`` that calls the
library. Everything runs on this machine.
"""

import streamlit as st

st.set_page_config(page_title="FormCoach", page_icon="🏃", layout="wide")
pages = st.navigation(
    [
        st.Page("formcoach/app/live_page.py", title="Live coaching", default=True),
        st.Page("formcoach/app/upload_page.py", title="Analyse a video"),
        st.Page("formcoach/app/history_page.py", title="History"),
        st.Page("formcoach/app/plan_page.py", title="4-week plan"),
        st.Page("formcoach/app/settings_page.py", title="Settings"),
    ]
)
pages.run()
