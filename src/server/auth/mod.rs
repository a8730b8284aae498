//! Web sessions for the pages: the sessions layer, its store over the
//! core's session records, and signing a session in and out. Who a request
//! comes from is decided in `server::visitor`.

pub mod device;
pub mod session;
