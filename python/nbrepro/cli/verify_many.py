"""`nbrepro verify A B C --report DIR [--jobs N]`, and its workflow form.

The forms (``verify.batch`` does the work):

- ``--report DIR B...``: verify every bundle, write DIR/results.json and
  DIR/index.html; exit 0 when every bundle verifies, 1 when one differs, 2 when
  one cannot be used or rebuilt here;
- ``--workflow snakemake -o DIR B...``: write a Snakemake workflow that does the
  same, one rule per bundle;
- the workflow's two steps: ``--report DIR --part SLUG B`` (one bundle's part)
  and ``--report DIR --gather SLUG...`` (the report from the parts); both exit 0
  once written, whatever the verdicts (Snakemake would delete a failed rule's
  output), which are in results.json.
"""

import os

from .. import errors


def run(args, stdout, say):
    from ..verify import batch

    if args.jobs < 1:
        say("--jobs must be at least 1")
        return errors.UNUSABLE
    if args.workflow:
        return _workflow(args, stdout, say)
    if not args.report:
        say("several bundles need --report DIR (or --workflow snakemake -o DIR)")
        return errors.UNUSABLE
    if args.json or args.save_rerun:
        say("--json and --save-rerun are for one bundle; --report writes results.json")
        return errors.UNUSABLE
    if args.key and not args.attest:
        say("--key signs the verification records: add --attest")
        return errors.UNUSABLE
    key = None
    if args.key:
        from ..verify import attest

        try:
            key = attest.load_private_key(args.key)
        except errors.NbreproError as error:
            say(str(error))
            return errors.UNUSABLE

    def log(text):
        say(text)

    options = batch.Options(
        timeout=args.timeout,
        rtol=args.rtol,
        atol=args.atol,
        image_tolerance=args.image_tolerance,
        image_hash_distance=args.image_hash_distance,
        python=args.python,
        attest=args.attest,
        key=key,
        build_timeout=args.build_timeout,
        log=log,
    )
    if args.gather:
        try:
            results = batch.gather(args.report, args.targets)
        except errors.NbreproError as error:
            say(str(error))
            return errors.UNUSABLE
        _summary(results, args.report, stdout)
        return errors.OK
    if args.part:
        if len(args.targets) != 1:
            say("--part verifies one bundle")
            return errors.UNUSABLE
        part = batch.verify_one(args.targets[0], args.part, args.report, options)
        say("%s: %s" % (args.part, part["verdict"]))
        return errors.OK
    missing = [t for t in args.targets if not os.path.exists(t)]
    for target in missing:
        say("%s: no such file or folder (reported as unusable)" % target)
    results = batch.verify_many(args.targets, args.report, options, jobs=args.jobs)
    _summary(results, args.report, stdout)
    return results["exit_status"]


def _summary(results, report_dir, stdout):
    for part in results["bundles"]:
        counts = part.get("summary") or {}
        extra = (
            "%d same, %d different, %d error"
            % (counts.get("same", 0), counts.get("different", 0), counts.get("error", 0))
            if counts
            else (part.get("message") or "")
        )
        stdout.write("%-32s %-15s %s\n" % (part["slug"], part["verdict"], extra))
    summary = results["summary"]
    stdout.write(
        "%d bundles: %d verified, %d different, %d unusable, %d cannot be rebuilt here; "
        "report: %s\n"
        % (
            summary["bundles"],
            summary["verified"],
            summary["different"],
            summary["unusable"],
            summary["cannot rebuild"],
            os.path.join(report_dir, "index.html"),
        )
    )


def _workflow(args, stdout, say):
    from ..integrations import verify_workflow

    if not args.output:
        say("--workflow needs -o DIR, the workflow's folder")
        return errors.UNUSABLE
    try:
        written = verify_workflow.write(args.targets, args.output, verify_workflow.options_of(args))
    except errors.NbreproError as error:
        say(str(error))
        return errors.UNUSABLE
    stdout.write(
        "wrote %s (%d bundles); run it with: cd %s && snakemake --cores N\n"
        % (written, len(args.targets), args.output)
    )
    return errors.OK
