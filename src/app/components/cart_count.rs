//! The header's cart count once the page changed it without a reload (add
//! to cart with JavaScript); until then the server's count stands.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct CartCount(RwSignal<Option<i64>>);

impl Default for CartCount {
    fn default() -> Self {
        Self(RwSignal::new(None))
    }
}

impl CartCount {
    pub fn set(self, count: i64) {
        self.0.set(Some(count));
    }

    pub fn get_or(self, server_count: i64) -> i64 {
        self.0.get().unwrap_or(server_count)
    }
}
