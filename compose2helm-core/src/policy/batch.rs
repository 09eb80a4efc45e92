//! CronJobs (crontab lines that became compose services) and Jobs (one-shot services such
//! as migrations, run as Helm and Argo CD hooks before each install or upgrade).
use super::kompose::KomposeLabels;
use crate::ir::{Cron, JobSpec};
use crate::settings::ServiceSettings;

pub fn cron(schedule: &str, settings: &ServiceSettings, kompose: &KomposeLabels) -> Cron {
    Cron {
        schedule: schedule.to_string(),
        time_zone: settings.time_zone.clone(),
        concurrency_policy: kompose.concurrency_policy.clone().unwrap_or_else(|| "Forbid".into()),
        successful_history: 3,
        failed_history: 1,
        starting_deadline_seconds: 300,
    }
}

pub fn job(hook: bool, kompose: &KomposeLabels) -> JobSpec {
    JobSpec {
        backoff_limit: kompose.backoff_limit.unwrap_or(if hook { 1 } else { 2 }),
        active_deadline_seconds: if hook { Some(600) } else { None },
        ttl_seconds_after_finished: if hook { None } else { Some(86400) },
        hook,
    }
}

/// The pod restart policy of a job from compose's `restart`.
pub fn restart_policy(restart: Option<&str>) -> &'static str {
    match restart {
        Some("no") => "Never",
        _ => "OnFailure",
    }
}
