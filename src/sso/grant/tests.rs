use super::*;

fn secs(duration: Duration) -> u64 {
    duration.as_secs()
}

#[test]
fn device_numbers_are_bounded_before_any_time_arithmetic() {
    let (interval, lifetime) = device_bounds(Some(u64::MAX), Some(u64::MAX));
    assert_eq!((secs(interval), secs(lifetime)), (60, 3600));
    // What an Instant can take, whatever the provider sent.
    assert!(tokio::time::Instant::now().checked_add(lifetime).is_some());
    let (interval, lifetime) = device_bounds(Some(0), Some(0));
    assert_eq!(
        (secs(interval), secs(lifetime)),
        (1, 3600),
        "0 s is no lifetime"
    );
    let (interval, lifetime) = device_bounds(None, None);
    assert_eq!((secs(interval), secs(lifetime)), (5, 3600));
    let (interval, lifetime) = device_bounds(Some(7), Some(600));
    assert_eq!((secs(interval), secs(lifetime)), (7, 600));
}
