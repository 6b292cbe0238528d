"""`nbrepro run`: execute a notebook and record what it ran on, as JupyterLab does."""

from .. import errors


def add_parser(subparsers):
    from ..record import parameters as params

    parser = subparsers.add_parser(
        "run",
        help="execute a notebook and record its environment per cell",
        description=(
            "Execute NOTEBOOK with nbclient and record, like the JupyterLab extension, "
            "the environment snapshot and each cell's run record in its metadata. "
            "A failing cell stops the run (exit status 1); what ran is still written. "
            "Exit status 2: the notebook or the kernel could not be used."
        ),
    )
    parser.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file to run")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write here instead of replacing NOTEBOOK"
    )
    parser.add_argument(
        "--kernel", metavar="NAME", help="kernel to run (default: the notebook's, or python3)"
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="run the kernel with this interpreter (it needs ipykernel, not nbrepro)",
    )
    parser.add_argument(
        "--timeout", metavar="S", type=float, help="seconds a cell may run (default: no limit)"
    )
    parser.add_argument(
        "--mlflow",
        nargs="?",
        const="",
        metavar="TRACKING_URI",
        help="log this execution as one MLflow run (params, tags, the notebook and its "
        "environment files as artifacts); the notebook's own mlflow.log_* calls go to the "
        "same run. Default URI: MLflow's (MLFLOW_TRACKING_URI). Needs nbrepro[mlflow]",
    )
    group = parser.add_argument_group(
        "parameters (as papermill's: a cell tagged injected-parameters after the one tagged "
        "parameters; later options win, -p/-r over -y over -f)"
    )
    params.add_options(group)
    parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="run every cell even when one raises, as nbconvert's --allow-errors; the "
        "exit status is still 1 when a cell raised (cells tagged raises-exception excepted)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args):
    import sys

    from ..record import parameters as params
    from ..run import runner

    try:
        values = params.collect(
            args.parameters, args.parameters_raw, args.parameters_file, args.parameters_yaml
        )
    except errors.ParameterError as error:
        sys.stderr.write("nbrepro run: %s\n" % error)
        return 2
    timeout = args.timeout if args.timeout and args.timeout > 0 else None
    observers = []
    if args.mlflow is not None:
        from ..integrations import mlflow_runs

        observers.append(mlflow_runs.Observer(args.mlflow))
    return runner.main(
        args.notebook,
        output=args.output,
        kernel=args.kernel,
        timeout=timeout,
        python=args.python,
        parameters=values or None,
        observers=observers,
        allow_errors=args.allow_errors,
    )
