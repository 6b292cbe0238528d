"""One MLflow run per execution: ``nbrepro run NB --mlflow [TRACKING_URI]``.

The run is created before the kernel starts and its id handed to the kernel as
``MLFLOW_RUN_ID`` (with ``MLFLOW_TRACKING_URI``), so that ``mlflow.log_metric``
and friends in the notebook's cells log into this same run. When the notebook
is done the run gets:

- params: the notebook's parameters (the ``parameters`` cell, overridden by
  the injected ones), as MLflow stores them (strings);
- tags: ``nbrepro.snapshot``, ``nbrepro.version``, ``nbrepro.kernel``, and for a
  notebook inside a git repository MLflow's own ``mlflow.source.git.commit``
  with ``nbrepro.git.dirty`` (``true``/``false``);
- artifacts under ``nbrepro/``: the executed notebook, and the files ``nbrepro
  export`` writes for its environment (environment.yml, the conda lock,
  requirements.txt), byte for byte, and the recorded snapshot as JSON.

MLflow is an optional extra (``pip install "nbrepro[mlflow]"``); only this
module imports it.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from .. import __version__, errors
from ..capture import urls
from ..run.observers import RunObserver

GIT_TIMEOUT = 10
ARTIFACT_DIR = "nbrepro"


def _client(tracking_uri):
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as error:
        raise errors.MlflowError(
            'MLflow is not installed here: pip install "nbrepro[mlflow]"'
        ) from error
    return MlflowClient(tracking_uri=tracking_uri or None)


USERNAME, PASSWORD = "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"


def split_credentials(uri):
    """``(uri without its user info, {variable: value})``: a tracking URI's
    ``user:password@`` as MLflow's own variables for HTTP basic auth (the same
    header requests would send from the URI), so that no URI nbrepro or MLflow
    prints ("View run at ...") or hands to the kernel holds a secret. A variable
    already set wins, as it does in MLflow."""
    if not uri or "@" not in uri:
        return uri, {}
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri, {}
    clean = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    found = {USERNAME: unquote(parts.username or ""), PASSWORD: unquote(parts.password or "")}
    return clean, {k: v for k, v in found.items() if v and not os.environ.get(k)}


def shown(text, uri=None):
    """A message that may hold a tracking URI, fit to print: credentials and tokens
    out, also where MLflow's or urllib3's text quotes the URI's parts without its
    scheme ("Max retries exceeded with url: /?token=...")."""
    text = urls.redact_text(str(text))
    parts = urlsplit(uri or "")
    for secret in (parts.password, parts.username, parts.query, parts.fragment):
        for form in {secret, unquote(secret or "")}:
            if form and len(form) >= 3:
                text = text.replace(form, "[redacted]")
    return text


def git_state(folder):
    """(commit, dirty) of the git repository holding ``folder``, or (None, None)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
        )
        if head.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return head.stdout.strip() or None, dirty


def _param_text(parameter):
    """A string parameter as its value (no quotes), anything else as Python writes it."""
    value = parameter["value"]
    return value if isinstance(value, str) else repr(value)


class Run(object):
    """A started MLflow run that ``finish`` completes."""

    def __init__(self, client, run_id, tracking_uri, credentials=None):
        self.client = client
        self.run_id = run_id
        self.tracking_uri = tracking_uri  # without user info (split_credentials)
        self.credentials = dict(credentials or {})
        self.given_uri = tracking_uri  # as the user wrote it, to redact messages by

    def kernel_env(self):
        env = {"MLFLOW_RUN_ID": self.run_id}
        if self.tracking_uri:
            env["MLFLOW_TRACKING_URI"] = self.tracking_uri
        env.update(self.credentials)
        return env

    def finish(self, nb, path=None, failed=False, kernel=None, source=None):
        """Log params, tags and artifacts of the executed notebook ``nb`` (written
        at ``path``, or only in memory, read from ``source``); end the run."""
        status = "FAILED" if failed or nb is None else "FINISHED"
        try:
            if nb is not None:
                self._log(nb, path, kernel, source)
        finally:
            self.client.set_terminated(self.run_id, status=status)

    def _log(self, nb, path, kernel, source):
        from ..export import bundle as bundles
        from ..export import script

        meta = nb.metadata.get("nbrepro") or {}
        conversion = script.convert(nb, meta.get("runs") or {}, name="notebook")
        for parameter in conversion.parameters:
            self.client.log_param(self.run_id, parameter["name"], _param_text(parameter))
        tags = {"nbrepro.version": __version__}
        if kernel:
            tags["nbrepro.kernel"] = kernel
        where = path or source
        if where is not None and "://" not in str(where):
            commit, dirty = git_state(Path(where).resolve().parent)
            if commit:
                tags["mlflow.source.git.commit"] = commit
                tags["nbrepro.git.dirty"] = "true" if dirty else "false"
        name = Path(where).name if where is not None else "notebook.ipynb"
        try:
            built = bundles.build(nb, name)
        except errors.ExportError as error:  # nothing recorded: tags and notebook only
            built = None
            tags["nbrepro.snapshot"] = "none (%s)" % error
        if built is not None:
            tags["nbrepro.snapshot"] = built.snapshot_id
        for key, value in tags.items():
            self.client.set_tag(self.run_id, key, value)
        with tempfile.TemporaryDirectory(prefix="nbrepro-mlflow-") as folder:
            out = Path(folder) / ARTIFACT_DIR
            out.mkdir()
            if path is not None and Path(path).is_file():
                (out / name).write_bytes(Path(path).read_bytes())
            else:
                import nbformat

                (out / name).write_text(nbformat.writes(nb), encoding="utf-8")
            if built is not None:
                lock = built.manifest["environment"].get("lock")
                for file in ("environment.yml", lock, "requirements.txt"):
                    if file and file in built.files:
                        (out / file).write_bytes(built.files[file])
                snapshot = meta["snapshots"][built.snapshot_id]
                text = json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False)
                (out / "snapshot.json").write_text(text + "\n", encoding="utf-8")
            self.client.log_artifacts(self.run_id, str(out), ARTIFACT_DIR)


def start(tracking_uri, run_name, experiment=None):
    """Create the run (before the kernel starts); errors.MlflowError when that fails.

    Credentials in the URI (``MLFLOW_TRACKING_URI`` when none is given) move to
    MLflow's username and password variables, for this process and the kernel."""
    given = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    tracking_uri, credentials = split_credentials(given)
    os.environ.update(credentials)
    if given and tracking_uri != given and os.environ.get("MLFLOW_TRACKING_URI") == given:
        os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    client = _client(tracking_uri)
    try:
        experiment_id = "0"
        name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME")
        if name:
            found = client.get_experiment_by_name(name)
            experiment_id = found.experiment_id if found else client.create_experiment(name)
        created = client.create_run(
            experiment_id, run_name=run_name, tags={"mlflow.source.name": run_name}
        )
    except Exception as error:  # MLflow raises many kinds for an unreachable server
        raise errors.MlflowError(
            shown(
                "cannot start an MLflow run at %s: %s"
                % (tracking_uri or "the default store", error),
                given,
            )
        ) from error
    run = Run(client, created.info.run_id, tracking_uri, credentials)
    run.given_uri = given
    return run


class Observer(RunObserver):
    """``nbrepro run --mlflow [URI]``: one MLflow run per execution."""

    def __init__(self, tracking_uri):
        self.tracking_uri = tracking_uri
        self.run = None

    def start(self, path):
        self.run = start(self.tracking_uri, Path(path).stem)
        return "MLflow run %s" % self.run.run_id

    def kernel_env(self):
        return self.run.kernel_env()

    def finish(self, nb, path=None, failed=False, kernel=None, source=None):
        self.run.finish(nb, path, failed=failed, kernel=kernel, source=source)

    def incomplete(self, error):
        return shown(
            "the MLflow run %s is incomplete: %s" % (self.run.run_id, error),
            self.run.given_uri,
        )
