"""What an integration plugs into a run: an observer of one notebook execution.

``nbrepro run`` (``runner.main``) calls each observer in order: ``start`` before
the kernel starts (an ``errors.NbreproError`` stops the run with exit 2),
``kernel_env`` for variables the kernel should see, then ``finish`` once the
executed notebook is written (or with ``nb=None`` when the run broke off).
MLflow's run tracking is one (``integrations/mlflow_runs.py``); the runner
itself knows no integration.
"""


class RunObserver(object):
    """The interface; the defaults do nothing."""

    def start(self, path):
        """Called before the kernel starts; returns a line for the log, or None."""
        return None

    def kernel_env(self):
        """Environment variables the kernel is started with."""
        return {}

    def finish(self, nb, path=None, failed=False, kernel=None, source=None):
        """The executed notebook ``nb`` (written at ``path``), or None after a break-off."""

    def incomplete(self, error):
        """The line to log when ``finish`` raised ``error`` (the notebook is written)."""
        return "%s did not finish: %s" % (type(self).__name__, error)
