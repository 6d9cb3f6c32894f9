//! Progress of `seed --users N` and `reindex`, shown the way the output is
//! read: a bar per phase with counts, rate and time left on a terminal
//! (indicatif), and otherwise (a pipe, a container's log, CI) one log line
//! per phase started and finished and one every [`LOG_EVERY`] in between.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use allmine_domain::progress::{Progress, SharedProgress};
use indicatif::{ProgressBar, ProgressStyle};

/// The least time between two log lines of the same phase.
pub const LOG_EVERY: Duration = Duration::from_secs(5);
/// How often the log reporter looks at the clock, so that a phase without
/// counts (one long SQL statement) still says it is running.
const TICK_EVERY: Duration = Duration::from_secs(1);

/// The reporter for this process's stderr, and what keeps it ticking; drop
/// it when the work is done.
pub struct Reporter {
    progress: SharedProgress,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Reporter {
    /// Bars when stderr is a terminal, log lines otherwise. Needs a Tokio
    /// runtime (the log reporter's clock ticks on it).
    pub fn for_stderr() -> Self {
        if std::io::stderr().is_terminal() {
            return Self {
                progress: Arc::new(BarProgress::default()),
                ticker: None,
            };
        }
        let log = Arc::new(LogProgress::new(LOG_EVERY, Instant::now, log_line));
        let ticking = log.clone();
        let ticker = tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK_EVERY);
            loop {
                tick.tick().await;
                ticking.tick();
            }
        });
        Self {
            progress: log,
            ticker: Some(ticker),
        }
    }

    /// The progress to hand to the work.
    pub fn progress(&self) -> SharedProgress {
        self.progress.clone()
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.progress.finish();
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
    }
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter")
            .field("ticking", &self.ticker.is_some())
            .finish_non_exhaustive()
    }
}

// A terminal ----------------------------------------------------------------

/// A bar per phase (a spinner when the phase has no count), left on screen
/// when the phase ends, so the terminal ends with one line per phase.
#[derive(Debug, Default)]
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl BarProgress {
    fn bar(&self) -> MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fixed template: cannot fail to parse, but the fallback keeps a bar.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress for BarProgress {
    fn start(&self, phase: &str, total: Option<u64>) {
        let mut current = self.bar();
        if let Some(previous) = current.take() {
            previous.finish();
        }
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                style("{prefix:>20} [{bar:30}] {human_pos}/{human_len} {per_sec:0} eta {eta} ({elapsed})")
                    .progress_chars("=> "),
            ),
            None => {
                let spinner = ProgressBar::new_spinner()
                    .with_style(style("{prefix:>20} {spinner} {elapsed}"));
                spinner.enable_steady_tick(Duration::from_millis(120));
                spinner
            }
        };
        *current = Some(bar.with_prefix(phase.to_owned()));
    }

    fn advance(&self, items: u64) {
        if let Some(bar) = self.bar().as_ref() {
            bar.inc(items);
            // The count was an estimate (follows, credit transactions): grow
            // the bar rather than show more than 100 %.
            if let Some(length) = bar.length()
                && bar.position() > length
            {
                bar.set_length(bar.position());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar().take() {
            if let Some(length) = bar.length()
                && bar.position() < length
            {
                // Fewer than estimated: the phase is done all the same.
                bar.set_length(bar.position());
            }
            bar.finish();
        }
    }
}

// Logs ----------------------------------------------------------------------

/// What a log line says.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressLine {
    /// The phase.
    pub phase: String,
    /// Started, still running, or finished.
    pub event: ProgressEvent,
    /// Items done so far in the phase.
    pub done: u64,
    /// Items expected, when known.
    pub total: Option<u64>,
    /// Since the phase started.
    pub elapsed: Duration,
    /// Time left at the rate so far, when the phase has a total and has
    /// done something.
    pub eta: Option<Duration>,
}

/// Where a phase is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressEvent {
    /// The phase began.
    Started,
    /// Still running (at most once per [`LOG_EVERY`]).
    Running,
    /// The phase ended.
    Finished,
}

struct Phase {
    name: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Instant,
}

/// One line per phase started and finished, and one at most every `every`
/// in between, through `emit`; the clock is `now`. Both are injected so the
/// throttling can be tested without waiting.
pub struct LogProgress<C, E> {
    every: Duration,
    now: C,
    emit: E,
    phase: Mutex<Option<Phase>>,
}

impl<C, E> std::fmt::Debug for LogProgress<C, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogProgress")
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

impl<C, E> LogProgress<C, E>
where
    C: Fn() -> Instant + Send + Sync,
    E: Fn(&ProgressLine) + Send + Sync,
{
    /// A reporter writing through `emit` at most every `every` per phase.
    pub fn new(every: Duration, now: C, emit: E) -> Self {
        Self {
            every,
            now,
            emit,
            phase: Mutex::new(None),
        }
    }

    /// Writes a running line if the phase has been quiet for `every`.
    pub fn tick(&self) {
        let now = (self.now)();
        let mut current = self.phase();
        if let Some(phase) = current.as_mut()
            && now.saturating_duration_since(phase.last_line) >= self.every
        {
            phase.last_line = now;
            (self.emit)(&line(phase, ProgressEvent::Running, now));
        }
    }

    fn phase(&self) -> MutexGuard<'_, Option<Phase>> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn end(&self, current: &mut Option<Phase>, now: Instant) {
        if let Some(phase) = current.take() {
            (self.emit)(&line(&phase, ProgressEvent::Finished, now));
        }
    }
}

fn line(phase: &Phase, event: ProgressEvent, now: Instant) -> ProgressLine {
    let elapsed = now.saturating_duration_since(phase.started);
    let eta = match (event, phase.total) {
        (ProgressEvent::Running, Some(total)) if phase.done > 0 => {
            let left = total.saturating_sub(phase.done);
            Some(elapsed.mul_f64(left as f64 / phase.done as f64))
        }
        _ => None,
    };
    ProgressLine {
        phase: phase.name.clone(),
        event,
        done: phase.done,
        total: phase.total,
        elapsed,
        eta,
    }
}

impl<C, E> Progress for LogProgress<C, E>
where
    C: Fn() -> Instant + Send + Sync,
    E: Fn(&ProgressLine) + Send + Sync,
{
    fn start(&self, phase: &str, total: Option<u64>) {
        let now = (self.now)();
        let mut current = self.phase();
        self.end(&mut current, now);
        let started = Phase {
            name: phase.to_owned(),
            total,
            done: 0,
            started: now,
            last_line: now,
        };
        (self.emit)(&line(&started, ProgressEvent::Started, now));
        *current = Some(started);
    }

    fn advance(&self, items: u64) {
        if let Some(phase) = self.phase().as_mut() {
            phase.done = phase.done.saturating_add(items);
        }
        self.tick();
    }

    fn finish(&self) {
        let now = (self.now)();
        let mut current = self.phase();
        self.end(&mut current, now);
    }
}

/// A line in the process's log (JSON in production), with the numbers as fields.
fn log_line(line: &ProgressLine) {
    let seconds = line.elapsed.as_secs_f64();
    match line.event {
        ProgressEvent::Started => {
            tracing::info!(phase = %line.phase, total = line.total, "{} started", line.phase);
        }
        ProgressEvent::Running => {
            let rate = if seconds > 0.0 {
                line.done as f64 / seconds
            } else {
                0.0
            };
            let eta_seconds = line.eta.map(|eta| eta.as_secs());
            match line.total {
                Some(total) => tracing::info!(
                    phase = %line.phase, done = line.done, total, per_second = rate.round(), eta_seconds,
                    "{}: {} of {} ({:.0} %), {:.0}/s, about {} s left",
                    line.phase, line.done, total, percent(line.done, total), rate, eta_seconds.unwrap_or(0)
                ),
                None => tracing::info!(
                    phase = %line.phase, seconds = seconds.round(),
                    "{}: running for {:.0} s", line.phase, seconds
                ),
            }
        }
        ProgressEvent::Finished => match line.total {
            Some(_) => tracing::info!(
                phase = %line.phase, done = line.done, seconds,
                "{}: {} done in {:.1} s", line.phase, line.done, seconds
            ),
            None => {
                tracing::info!(phase = %line.phase, seconds, "{} done in {:.1} s", line.phase, seconds)
            }
        },
    }
}

fn percent(done: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        (done as f64 * 100.0 / total as f64).min(100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock the test moves, and the lines written.
    struct Harness {
        at: Arc<Mutex<Instant>>,
        lines: Arc<Mutex<Vec<ProgressLine>>>,
    }

    #[allow(clippy::type_complexity)]
    fn reporter() -> (
        LogProgress<impl Fn() -> Instant + Send + Sync, impl Fn(&ProgressLine) + Send + Sync>,
        Harness,
    ) {
        let at = Arc::new(Mutex::new(Instant::now()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (clock, sink) = (at.clone(), lines.clone());
        let log = LogProgress::new(
            Duration::from_secs(5),
            move || *clock.lock().unwrap(),
            move |line: &ProgressLine| sink.lock().unwrap().push(line.clone()),
        );
        (log, Harness { at, lines })
    }

    impl Harness {
        fn wait(&self, seconds: u64) {
            *self.at.lock().unwrap() += Duration::from_secs(seconds);
        }
        fn events(&self) -> Vec<(String, ProgressEvent, u64)> {
            self.lines
                .lock()
                .unwrap()
                .iter()
                .map(|l| (l.phase.clone(), l.event, l.done))
                .collect()
        }
    }

    #[test]
    fn a_phase_logs_its_start_and_end_and_at_most_one_running_line_per_interval() {
        let (log, h) = reporter();
        log.start("users", Some(1000));
        for _ in 0..10 {
            log.advance(10); // many reports within the same second: no line
        }
        h.wait(4);
        log.advance(100); // 4 s since the start line: still quiet
        h.wait(1);
        log.advance(100); // 5 s: one line
        log.advance(100); // and not another at once
        h.wait(5);
        log.tick(); // a tick with no new rows still reports
        log.finish();

        assert_eq!(
            h.events(),
            vec![
                ("users".to_owned(), ProgressEvent::Started, 0),
                ("users".to_owned(), ProgressEvent::Running, 300),
                ("users".to_owned(), ProgressEvent::Running, 400),
                ("users".to_owned(), ProgressEvent::Finished, 400),
            ]
        );
    }

    #[test]
    fn the_time_left_is_the_rate_so_far_applied_to_what_is_left() {
        let (log, h) = reporter();
        log.start("follows", Some(1000));
        h.wait(10);
        log.advance(250);
        let lines = h.lines.lock().unwrap();
        let running = lines.last().unwrap();
        assert_eq!(running.event, ProgressEvent::Running);
        assert_eq!(running.total, Some(1000));
        // 250 in 10 s: the 750 left take 30 s more.
        assert_eq!(running.eta, Some(Duration::from_secs(30)));
    }

    #[test]
    fn starting_a_phase_finishes_the_one_before_and_uncounted_phases_still_tick() {
        let (log, h) = reporter();
        log.start("users", Some(10));
        log.advance(10);
        log.start("counters", None);
        h.wait(6);
        log.tick();
        log.finish();
        log.finish(); // nothing open: nothing logged

        let lines = h.lines.lock().unwrap();
        let events: Vec<_> = lines.iter().map(|l| (l.phase.as_str(), l.event)).collect();
        assert_eq!(
            events,
            vec![
                ("users", ProgressEvent::Started),
                ("users", ProgressEvent::Finished),
                ("counters", ProgressEvent::Started),
                ("counters", ProgressEvent::Running),
                ("counters", ProgressEvent::Finished),
            ]
        );
        assert_eq!(lines[1].done, 10);
        assert_eq!(lines[3].eta, None);
        assert_eq!(lines[4].elapsed, Duration::from_secs(6));
    }
}
