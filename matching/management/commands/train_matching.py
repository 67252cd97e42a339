from django.core.management.base import CommandError

from engagement.management.base import ServiceCommand
from matching.services.learning import MIN_DECISIONS, matching_model_train


class Command(ServiceCommand):
    help = (
        "Learn component weights from accepted and rejected suggestions (logistic regression) "
        "and record them as a new model version; it becomes active only if it does at least as "
        "well as the active one on held-out decisions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-decisions", type=int, default=MIN_DECISIONS)

    def handle(self, *args, **options):
        if options["min_decisions"] < 2:
            raise CommandError("--min-decisions must be at least 2.")
        model = self.run_service(matching_model_train, min_decisions=options["min_decisions"])
        m = model.metrics
        self.stdout.write(
            f"Version {model.version} ({'active' if model.is_active else 'inactive'})"
        )
        for name, weight in model.weights.items():
            coef = m.get("coefficients", {}).get(name)
            self.stdout.write(f"  {name:16} weight {weight:.4f}   coefficient {coef}")
        self.stdout.write(
            f"held-out AUC {m['heldout_auc']} vs {m['heldout_auc_of_active']} for version "
            f"{m['compared_with_version']} ({m['trained_on']} trained on, {m['heldout']} held out)"
        )
        self.stdout.write(model.note)
