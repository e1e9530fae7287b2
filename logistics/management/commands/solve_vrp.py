"""python manage.py solve_vrp PATH --format solomon|lilim --objective distance|fleet --time-limit S --json

Solves one Solomon or Li & Lim benchmark file with the route engine. The engine itself is plain Python
(logistics/routing); this command only parses arguments and prints.
"""

from django.core.management.base import BaseCommand, CommandError

from logistics.routing.cli import OBJECTIVES, CliError, solve_benchmark_file, summary, to_json
from logistics.routing.readers import FORMATS


class Command(BaseCommand):
    help = "Solve a Solomon (VRPTW) or Li & Lim (PDPTW) benchmark instance and print the routes."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=FORMATS, default="solomon", dest="fmt")
        parser.add_argument("--objective", choices=OBJECTIVES, default="distance")
        parser.add_argument("--time-limit", type=float, default=10.0, help="seconds of wall time (default 10)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object")

    def handle(self, *args, path, fmt, objective, time_limit, seed, json, **options):
        try:
            run = solve_benchmark_file(path, fmt, objective, time_limit, seed)
        except CliError as error:
            raise CommandError(str(error), returncode=2) from error
        if not run.feasible:
            self.stderr.write("independent check found violations: " + "; ".join(run.violations[:5]))
        self.stdout.write(to_json(run.result) if json else summary(run))
