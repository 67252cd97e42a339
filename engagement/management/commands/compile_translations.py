import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Compile every locale/*/LC_MESSAGES/*.po to .mo with polib, so a machine without GNU "
        "gettext can build the Japanese catalogue. Fails on an untranslated or fuzzy entry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-incomplete",
            action="store_true",
            help="Compile even if some entries are untranslated.",
        )

    def handle(self, *args, **options):
        compiled = 0
        problems: list[str] = []
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                po = polib.pofile(str(po_path))
                missing = [e.msgid for e in po.untranslated_entries()]
                fuzzy = [e.msgid for e in po.fuzzy_entries()]
                if missing or fuzzy:
                    problems.append(
                        f"{po_path}: {len(missing)} untranslated, {len(fuzzy)} fuzzy"
                        f" (first: {(missing + fuzzy)[0]!r})"
                    )
                # Written aside and moved into place: a process reading the catalogue meanwhile
                # (a page, a parallel test) sees the old file or the new one, never half of one.
                mo = po_path.with_suffix(".mo")
                partial = mo.with_name(f".{mo.name}.{os.getpid()}")
                po.save_as_mofile(str(partial))
                os.replace(partial, mo)
                compiled += 1
        if problems and not options["allow_incomplete"]:
            raise CommandError("Incomplete translation catalogue:\n" + "\n".join(problems))
        self.stdout.write(f"Compiled {compiled} catalogue(s).")
