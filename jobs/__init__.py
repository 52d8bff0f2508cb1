"""Recorded background jobs: work a person started, with progress they can read and recovery by itself.

A shared piece like `outbox`: it knows no feature app. What a job is about is a generic
reference (`ref_type`, `ref_id`); what a kind of job is called and how its progress reads is
registered by the app that starts it, in `<app>/jobs.py` (imported at start-up).

Adopting it, in four steps:

1. Describe the kind, in `<app>/jobs.py`::

       from jobs.registry import Kind, register
       register(Kind(name="certificates.render", title=_("Rendering certificates"),
                     progress=_("%(done)s of %(total)s rendered"), roles=(Role.ORGANISER,),
                     labels={"rendered": _("rendered"), "failed": _("failed")}))

2. Start it from a service, in the transaction that records what it is about; the task is
   queued after commit (and a broker that refuses is left to the sweeper, never a 500)::

       job = job_start(kind="certificates.render", task=render_certificates, organisation=org,
                       started_by=user, ref=project, total=len(ids), task_kwargs={"certificate_ids": ids},
                       return_url=project_url)

3. Write the task as an adapter taking `job_id` (and the kwargs); `job_run` claims the job
   (a conditional UPDATE with a lease, so a task delivered twice runs once at a time) and
   records the outcome::

       @shared_task(acks_late=True)
       def render_certificates(job_id: int, certificate_ids: list[int]) -> None:
           job_run(job_id, lambda run: certificates_render(run=run, ids=certificate_ids))

   Inside, the service reports through the `JobRun`: `run.advance()` / `run.set_done(n)`,
   `run.count("skipped", reason=...)`, `run.beat()` during a long step. Writes are throttled
   (one UPDATE per JOBS_PROGRESS_SECONDS, never one per row) and double as the heartbeat.
   Returning ends the job as succeeded; `run.finish(message)`, `run.fail(message)` say more;
   a `UserError` fails it with its message; `run.follow()` hands the rest to the kind's
   `follow` function (emails the outbox delivers), which the page and the sweeper call.
   `run.save_result(name, file)` keeps a result (a ZIP) for the app's own download view.
   A kind's `on_fail(job)` puts what the job was about in a state that says so (a batch marked
   failed); a job the sweeper gave up on is `retryable` and may be left as it is for Retry.
   The work must be idempotent: after a lost worker it runs again from the start, so skip
   what is done already (a stored PDF, a claimed batch).

4. Show it: `{% include "jobs/_progress.html" with job=job %}` polls with htmx until the job
   is finished (add `reload_on_finish=True` to reload the page then), and shows a stuck job
   with *Retry* instead of polling forever; `{% include "jobs/_list.html" with jobs=... %}`
   lists the jobs started from a page (`jobs.selectors.jobs_about` / `jobs_started_here`).

Recovery: the periodic `jobs.tasks.sweep_jobs` (beat, every JOBS_SWEEP_SECONDS) queues again
a running job without a heartbeat for JOBS_HEARTBEAT_TIMEOUT and a queued one not started
within JOBS_QUEUED_TIMEOUT, until it has started JOBS_MAX_ATTEMPTS times, then fails it with
the reason. A job silent for JOBS_STUCK_SECONDS is shown as stuck.
"""
