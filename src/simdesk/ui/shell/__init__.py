"""The main window's jobs, one module each; :class:`simdesk.ui.main_window.MainWindow` mixes
them in over its layout, navigation and menus.

- :mod:`.accounts`: sign-in, lock and auto-lock, passphrases, new learners, the instructor's
  screens and the tour;
- :mod:`.attempts`: starting, resuming, saving and submitting an encounter, its debrief;
- :mod:`.learner`: the learner's pages following ``store_changed``, the report export;
- :mod:`.library`: the case library, re-read when a case is imported or its folder changes;
- :mod:`.model`: the model's status, its settings (and the display's), using and importing one;
- :mod:`.message_bar`: the one place errors are shown.

Each mixin uses the window's ``session`` (:class:`simdesk.app.session.Session`), ``ops``
(:class:`simdesk.ui.operations.Operations`), its pages and ``show_error``; none starts a thread
or touches a database on the GUI thread.
"""
