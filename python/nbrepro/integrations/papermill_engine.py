"""papermill's ``nbrepro`` engine: ``papermill --engine nbrepro in.ipynb out.ipynb``.

Registered through the ``papermill.engine`` entry point (pyproject.toml), so
papermill, and every orchestrator that calls papermill with an engine name,
runs the notebook through ``runner.run_notebook``: the same kernel-side
recording as ``nbrepro run``, written into the notebook papermill saves. papermill
has injected the parameters cell by then; it is recorded like any other cell.

Only papermill imports this module (it is an optional extra).

MLflow: the engine option ``nbrepro_mlflow`` (papermill's ``execute_notebook(...,
nbrepro_mlflow=URI)``) or, from papermill's command line, which passes no engine
options, the environment variable ``NBREPRO_MLFLOW=URI`` logs the execution as
one MLflow run, as ``nbrepro run --mlflow URI`` does.
"""

import logging
import os
from pathlib import Path

from papermill.engines import Engine

from .. import errors
from ..run import runner

logger = logging.getLogger("papermill.nbrepro")


class NbreproEngine(Engine):
    """Executes with nbclient through nbrepro's headless path and records the environment."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        nbrepro_mlflow=None,
        **kwargs,
    ):
        nb = nb_man.nb
        try:
            name = runner.kernel_name_for(nb, kernel_name)
        except errors.RunError as error:
            raise RuntimeError("nbrepro engine: %s" % error) from error

        def starting(index):
            nb_man.cell_start(nb.cells[index], index)

        def progress(number, total, index, ok):
            if not ok:
                nb_man.cell_exception(nb.cells[index], index)
            nb_man.cell_complete(nb.cells[index], index)

        def log(text):
            if log_output:
                logger.info(text)

        tracking = (
            nbrepro_mlflow if nbrepro_mlflow is not None else os.environ.get("NBREPRO_MLFLOW")
        )
        tracked = None
        if tracking is not None:
            from . import mlflow_runs

            source = kwargs.get("input_path")
            tracked = mlflow_runs.start(tracking, Path(source).stem if source else "papermill")
        try:
            outcome = runner.run_notebook(
                nb,
                os.getcwd(),  # papermill has changed into its --cwd already
                name,
                timeout=execution_timeout,
                log=log,
                progress=progress,
                starting=starting,
                env=tracked.kernel_env() if tracked else None,
            )
        except BaseException:
            if tracked:
                tracked.finish(None)
            raise
        for warning in outcome.warnings:
            logger.warning("nbrepro: %s", warning)
        if tracked:
            # papermill writes the output notebook after the engine returns: the
            # run gets the executed notebook as nbrepro recorded it, in memory.
            tracked.finish(
                outcome.nb,
                None,
                failed=bool(outcome.failure),
                kernel=name,
                source=kwargs.get("input_path"),
            )
        # papermill finds the failing cell's error output itself and raises
        # PapermillExecutionError after saving.
        return outcome.nb
