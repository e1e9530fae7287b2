"""Route sheet PDFs in the `documents` queue: thin tasks that take ids; rendering twice changes nothing."""

from celery import shared_task

from coop.tenancy.tasks import CoopTask


@shared_task(base=CoopTask, name="documents.render_route_sheet", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_route_sheet(coop_id: int, route_id: int) -> str:
    from .services.route_sheets import route_sheet_render

    return route_sheet_render(route_id=route_id)


@shared_task(base=CoopTask, name="documents.render_route_sheets_of_run")
def render_route_sheets_of_run(coop_id: int, planning_run_id: int) -> int:
    """After publishing: queue the sheet of every route with a driver."""
    from .services.route_sheets import route_sheets_request_for_run

    return route_sheets_request_for_run(run_id=planning_run_id)
