import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.evaluation import CASES_FILE, JUDGED_FILE, METRICS, evaluate, evaluate_judged

FLOORS_FILE = JUDGED_FILE.parent / "floors.json"


class Command(BaseCommand):
    help = (
        "Judge the engine against the independently judged set (fixtures/matching/judged/): "
        "per company nDCG@5 (graded), precision@5 (grade >= 2) and grade-0 institutions in the "
        "top 5; fails below the floors in fixtures/matching/judged/floors.json. With --cases, "
        "run the older labelled cases of the engine's mechanics instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(JUDGED_FILE))
        parser.add_argument(
            "--cases",
            action="store_true",
            help=f"FILE holds labelled cases (default {CASES_FILE.name}), not judged grades.",
        )
        parser.add_argument("-k", type=int, default=5, help="How many top institutions count.")
        parser.add_argument(
            "--model",
            type=int,
            help="Score with the weights of this MatchingModel version (default: the defaults).",
        )

    def handle(self, *args, **options):
        weights = self._weights(options["model"])
        if options["cases"]:
            path = Path(options["file"] if options["file"] != str(JUDGED_FILE) else CASES_FILE)
            return self._cases(path, weights)
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        try:
            report = evaluate_judged(path, k=options["k"], weights=weights)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Bad judged file {path}: {exc}") from None
        k = report.k
        self.stdout.write(
            f"{'company':32} {'type':20} {'rel':>3} {'nDCG@' + str(k):>7} {'P@' + str(k):>5} "
            f"{'g0':>3}  top {k} (grades)"
        )
        for c in report.companies:
            p = "—" if c.precision_at_k is None else f"{c.precision_at_k:.2f}"
            grades = " ".join(str(g) for _n, g in c.top)
            self.stdout.write(
                f"{c.company[:32]:32} {c.company_type[:20]:20} {c.relevant:3d} "
                f"{c.ndcg_at_k:7.3f} {p:>5} {c.grade0_in_top:3d}  {grades}"
            )
            if options["verbosity"] >= 3:  # the names behind the grades, to read the misses
                for rank, (name, grade) in enumerate(c.top, start=1):
                    self.stdout.write(f"    {rank}. [{grade}] {name}")
        self.stdout.write(
            f"overall ({len(report.companies)} companies): nDCG@{k}={report.ndcg_at_k:.3f}  "
            f"P@{k}={report.precision_at_k:.3f}  grade-0 in top {k}: {report.grade0_in_top} "
            f"(in {report.companies_with_grade0} companies)"
        )
        floors = json.loads(FLOORS_FILE.read_text()) if path == JUDGED_FILE else {}
        failures = []
        if floors:
            self.stdout.write("floors: " + "  ".join(f"{m}={v}" for m, v in floors.items()))
            if report.ndcg_at_k < floors.get("ndcg_at_5", 0):
                failures.append(f"nDCG@5 {report.ndcg_at_k:.3f} < {floors['ndcg_at_5']}")
            if report.precision_at_k < floors.get("precision_at_5", 0):
                failures.append(f"P@5 {report.precision_at_k:.3f} < {floors['precision_at_5']}")
            most = floors.get("max_grade0_in_top5")
            if most is not None and report.grade0_in_top > most:
                failures.append(f"grade-0 in top 5 {report.grade0_in_top} > {most}")
        if failures:
            raise CommandError("Below the floor: " + "; ".join(failures))
        self.stdout.write("OK")

    def _weights(self, version):
        if version is None:
            return None
        from matching.models import MatchingModel

        model = MatchingModel.objects.filter(version=version).first()
        if model is None:
            raise CommandError(f"No matching model version {version}.")
        return model.weights

    def _cases(self, path: Path, weights) -> None:
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        try:
            report = evaluate(path, weights=weights)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Bad cases file {path}: {exc}") from None
        width = min(max((len(c.name) for c in report.cases), default=10), 70)
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
