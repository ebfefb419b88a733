//! The Redis adapter against the Redis server on 127.0.0.1:6379 (started by
//! `.ci/run`; start it by hand with the command in the README if it is down).

use std::time::Duration;

use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter};
use folio_ratelimit::RedisRateLimiter;

async fn limiter() -> RedisRateLimiter {
    let url = std::env::var("FOLIO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    // A fresh prefix per test keeps parallel tests (and old runs) apart.
    let prefix = format!("folio-test:{}", uuid::Uuid::now_v7());
    // The client retries a refused connection on its own; a bounded wait
    // turns a Redis that is not running into the message below, not a hang.
    let connected = tokio::time::timeout(Duration::from_secs(5), RedisRateLimiter::connect(&url, &prefix)).await;
    let error = match connected {
        Ok(Ok(limiter)) => return limiter,
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer from {url} within 5 s"),
    };
    panic!(
        "{error}\n\nRedis is needed for this test. Start it with\n    redis-server --daemonize yes --bind 127.0.0.1 \
         --port 6379 --save \"\" --appendonly no\n(or point FOLIO_TEST_REDIS_URL at one that runs)"
    )
}

const LIMIT: RateLimit = RateLimit { max: 3, window: Duration::from_secs(60) };

#[tokio::test]
async fn allows_up_to_the_limit_then_refuses_with_a_retry_time() {
    let limiter = limiter().await;
    for remaining in [2, 1, 0] {
        let decision = limiter.hit("ip:1.2.3.4", LIMIT).await.expect("decides");
        assert!(matches!(decision, RateDecision::Allowed { remaining: r, .. } if r == remaining), "{decision:?}");
    }
    let RateDecision::Limited { retry_after } = limiter.hit("ip:1.2.3.4", LIMIT).await.expect("decides") else {
        panic!("the fourth hit is refused");
    };
    assert!(retry_after <= LIMIT.window);
    assert!(limiter.hit("ip:5.6.7.8", LIMIT).await.expect("decides").is_allowed(), "keys are independent");
}

#[tokio::test]
async fn two_instances_share_one_budget() {
    let first = limiter().await;
    let second = first.clone();
    first.hit("shared", LIMIT).await.expect("decides");
    second.hit("shared", LIMIT).await.expect("decides");
    first.hit("shared", LIMIT).await.expect("decides");
    assert!(!second.hit("shared", LIMIT).await.expect("decides").is_allowed());
}

#[tokio::test]
async fn peek_does_not_count_and_record_always_counts() {
    let limiter = limiter().await;
    for _ in 0..5 {
        assert!(limiter.peek("k", LIMIT).await.expect("peeks").is_allowed());
    }
    for _ in 0..3 {
        limiter.record("k", LIMIT).await.expect("records");
    }
    assert!(!limiter.peek("k", LIMIT).await.expect("peeks").is_allowed());
}
