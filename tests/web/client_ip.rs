//! Which client a limit counts: the TCP peer, or behind a trusted proxy the
//! address it forwarded; IPv6 clients by their /64.

use std::{net::SocketAddr, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use nexus::server::client_ip::{ForwardedHeader, TrustedProxies};
use nexus_core::rate_limit::Limit;
use sqlx::PgPool;

use crate::common::send;

/// A failed sign-in from `peer`, forwarded for `client` when given.
async fn failed_sign_in(app: &Router, peer: &str, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = Request::post("/api/v1/auth/login").header("content-type", "application/json");
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    let mut request =
        request.body(Body::from(r#"{"email":"nobody@example.com","password":"not the password"}"#)).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    send(app, request).await.status
}

async fn app(pool: PgPool, trusted: &str) -> Router {
    let trusted = TrustedProxies::new(TrustedProxies::parse_blocks(trusted).unwrap(), ForwardedHeader::XForwardedFor);
    crate::common::app_with(pool, |config| {
        config.rate_limits.sign_in_per_ip = Limit::per(2, Duration::from_secs(60));
        config.rate_limits.sign_in_per_account = Limit::per(100, Duration::from_secs(60));
        config.trusted_proxies = trusted;
    })
    .await
}

#[sqlx::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(pool: PgPool) {
    let app = app(pool, "10.0.0.0/8").await;
    for _ in 0..2 {
        assert_eq!(failed_sign_in(&app, "10.0.0.2:5000", Some("198.51.100.1")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in(&app, "10.0.0.2:5000", Some("198.51.100.1")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        failed_sign_in(&app, "10.0.0.3:5000", Some("198.51.100.2")).await,
        StatusCode::UNAUTHORIZED,
        "another shopper behind the same proxies is not locked out"
    );
    assert_eq!(
        failed_sign_in(&app, "10.0.0.2:5000", Some("203.0.113.9, 198.51.100.1")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "an address the client wrote in front of its own proves nothing"
    );
}

#[sqlx::test]
async fn a_forwarding_header_from_an_untrusted_peer_is_ignored(pool: PgPool) {
    let app = app(pool, "10.0.0.0/8").await;
    for n in 0..2 {
        let claimed = format!("198.51.100.{n}");
        assert_eq!(failed_sign_in(&app, "203.0.113.5:5000", Some(&claimed)).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in(&app, "203.0.113.5:5000", Some("198.51.100.77")).await, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test]
async fn ipv6_clients_share_the_limit_of_their_64(pool: PgPool) {
    let app = app(pool, "").await;
    assert_eq!(failed_sign_in(&app, "[2001:db8:1:2::1]:5000", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_sign_in(&app, "[2001:db8:1:2::2]:5000", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_sign_in(&app, "[2001:db8:1:2:ffff::3]:5000", None).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(failed_sign_in(&app, "[2001:db8:1:3::1]:5000", None).await, StatusCode::UNAUTHORIZED);
}
