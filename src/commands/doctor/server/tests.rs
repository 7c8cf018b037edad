use super::*;
use crate::commands::doctor::report::Status;

#[test]
fn spans_are_said_in_the_unit_that_matters() {
    let span = |secs| span(chrono::Duration::seconds(secs));
    assert_eq!(
        [span(7200), span(7260), span(303), span(75)],
        ["2 h 0 min", "2 h 1 min", "5 min 3 s", "75 s"]
    );
}

#[test]
fn clocks_more_than_a_minute_off_are_a_warning() {
    let run = |clocks: Clocks| {
        let mut report = Report::default();
        super::clocks(&mut report, &clocks);
        report.steps
    };
    assert!(run(Clocks::default()).is_empty(), "no server said its time");
    let agree = run(Clocks {
        digitalocean: Some(chrono::Duration::seconds(2)),
        api_server: Some(chrono::Duration::seconds(-59)),
    });
    assert_eq!(agree[0].status, Status::Ok);
    assert!(
        agree[0]
            .detail
            .contains("DigitalOcean's and the API server's")
    );
    let off = run(Clocks {
        digitalocean: None,
        api_server: Some(chrono::Duration::seconds(-7201)),
    });
    assert_eq!(off[0].status, Status::Warning);
    assert!(
        off[0].detail.contains("2 h 0 min behind the API server's"),
        "{}",
        off[0].detail
    );
    assert!(off[0].fix.as_deref().unwrap().contains("NTP"));
}
