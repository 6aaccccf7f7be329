"""The Streamlit pages of FormCoach (``streamlit run streamlit_app.py``).

The pages call the library (:mod:`formcoach.pipeline`); they hold no rule
logic. The live page's frame callback never calls ``st.*``: it hands results
to the page through a bounded queue.
"""
