from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.evaluation import CASES_FILE, METRICS, evaluate


class Command(BaseCommand):
    help = (
        "Run the labelled matching cases (default fixtures/matching/labelled_cases.json) and print "
        "precision@k, MRR and nDCG@k per case and on average; fails below the file's floors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(CASES_FILE))
        parser.add_argument(
            "--model",
            type=int,
            help="Score with the weights of this MatchingModel version (default: the defaults).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        weights = None
        if options["model"] is not None:
            from matching.models import MatchingModel

            model = MatchingModel.objects.filter(version=options["model"]).first()
            if model is None:
                raise CommandError(f"No matching model version {options['model']}.")
            weights = model.weights
        try:
            report = evaluate(path, weights=weights)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Bad cases file {path}: {exc}") from None
        width = max(len(c.name) for c in report.cases) if report.cases else 10
        width = min(width, 70)
        self.stdout.write(f"{'case':{width}}   k  P@k    MRR    nDCG@k")
        for c in report.cases:
            self.stdout.write(
                f"{c.name[:width]:{width}} {c.k:3d}  {c.precision_at_k:.3f}  {c.mrr:.3f}  "
                f"{c.ndcg_at_k:.3f}"
            )
        means = "  ".join(f"{m}={report.means[m]:.3f}" for m in METRICS)
        floors = "  ".join(f"{m}>={v:.3f}" for m, v in report.floors.items())
        self.stdout.write(f"mean over {len(report.cases)} cases: {means}")
        if floors:
            self.stdout.write(f"floors: {floors}")
        if report.failures:
            raise CommandError("Below the floor: " + "; ".join(report.failures))
        self.stdout.write("OK")
