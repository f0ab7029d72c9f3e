from flask import current_app, render_template, request

from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.scheduler import queries
from dps_portal.scheduler.registry import all_jobs


@role_required(Role.administrator)
def list_job_runs():
    jobs = all_jobs()
    job_ids = {job.id for job in jobs}
    selected = request.args.get("job")
    if selected not in job_ids:
        selected = None
    failing = request.args.get("show") == "failing"
    runs = queries.failing_runs(sorted(job_ids)) if failing else queries.runs(selected)
    return render_template(
        "scheduler/job_runs.html",
        jobs=jobs,
        next_run_times=queries.next_run_times(),
        latest_runs=queries.latest_runs([job.id for job in jobs]),
        page=db.paginate(runs, per_page=queries.PAGE_SIZE, error_out=False),
        selected=None if failing else selected,
        failing=failing,
        scheduler_mode=current_app.config["SCHEDULER_MODE"],
    )
