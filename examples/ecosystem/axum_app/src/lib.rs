//! An axum app on tern: JSON routes, a path parameter, shared [`State`]
//! behind a `tokio::sync::Mutex`, and graceful shutdown.
//!
//! - `GET /` answers `hello from axum`
//! - `POST /users` with `{"name": "..."}` creates a user and answers it as JSON
//! - `GET /users/{id}` answers the user as JSON, or 404
//! - `POST /counter` increments a shared counter and answers `{"count": n}`

use std::{collections::HashMap, future::Future, sync::Arc};

use axum::{
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use tokio::{net::TcpListener, sync::Mutex};

/// A stored user.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    /// Assigned by the server.
    pub id: u64,
    /// Given by the client.
    pub name: String,
}

/// The body of `POST /users`.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewUser {
    /// The new user's name.
    pub name: String,
}

#[derive(Default)]
struct Db {
    next_id: u64,
    users: HashMap<u64, User>,
    count: u64,
}

/// State shared by every handler: one async mutex around the data.
#[derive(Clone, Default)]
pub struct AppState {
    db: Arc<Mutex<Db>>,
}

async fn root() -> &'static str {
    "hello from axum"
}

async fn create_user(State(state): State<AppState>, Json(new): Json<NewUser>) -> (StatusCode, Json<User>) {
    let mut db = state.db.lock().await;
    db.next_id += 1;
    let user = User { id: db.next_id, name: new.name };
    db.users.insert(user.id, user.clone());
    (StatusCode::CREATED, Json(user))
}

async fn get_user(State(state): State<AppState>, Path(id): Path<u64>) -> Result<Json<User>, StatusCode> {
    state.db.lock().await.users.get(&id).cloned().map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn bump(State(state): State<AppState>) -> Json<serde_json::Value> {
    let mut db = state.db.lock().await;
    db.count += 1;
    Json(serde_json::json!({ "count": db.count }))
}

/// The router with its state.
pub fn app() -> Router {
    Router::new()
        .route("/", get(root))
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .route("/counter", post(bump))
        .with_state(AppState::default())
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets the
/// in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app()).with_graceful_shutdown(shutdown).await
}

/// The listen address: the first argument, else `$ADDR`, else `default`.
pub fn listen_addr(default: &str) -> String {
    std::env::args().nth(1).or_else(|| std::env::var("ADDR").ok()).unwrap_or_else(|| default.to_string())
}
