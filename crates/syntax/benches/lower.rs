//! Lowering cost against parsing (release build: `cargo bench -p secreview-syntax`): `parse` is tree-sitter
//! alone, `lower` the IR lowering of an already parsed tree, on the same generated Python and Rust corpora.
//! For a real tree, `cargo run --release -p secreview-syntax --example lower_tree -- DIR`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secreview_syntax::{Lang, ir, parse};

const PY: &str = r#"
from fastapi import APIRouter, Depends, HTTPException
from app.api.deps import (
    CurrentUser,
    SessionDep as Db,
)

router = APIRouter()


class RatingService:
    def __init__(self, db):
        self.repo = RatingRepo(db)

    def update(self, rating_id: int, user, payload: dict) -> "Rating":
        rating = self.repo.get(rating_id)
        if rating is None or rating.owner_id != user.id:
            raise HTTPException(status_code=403, detail=f"rating {rating_id} is not yours")
        for key, value in payload.items():
            setattr(rating, key, value)
        return rating


@router.put("/ratings/{rating_id}", dependencies=[Depends(verify)])
async def update_rating(rating_id: int, payload: RatingIn, user: CurrentUser, db: Db):
    query = "SELECT * FROM ratings WHERE id = %s" % rating_id
    rows = [r for r in db.execute(query) if r.visible]
    try:
        return RatingService(db).update(rating_id, user, payload.model_dump())
    except KeyError as e:
        raise HTTPException(404) from e
"#;

const RS: &str = r#"
use axum::{extract::{Path, State}, Json};
use crate::{auth::AuthUser, db::*};

#[derive(Debug, Deserialize)]
pub struct UpdateNote { pub body: String, pub owner_id: i64 }

impl NoteService {
    pub async fn update(&self, id: i64, user: &AuthUser, body: UpdateNote) -> Result<Note, AppError> {
        let note = self.repo.get(id).await?.ok_or(AppError::NotFound)?;
        if note.owner_id != user.id {
            return Err(AppError::Forbidden);
        }
        let q = format!("UPDATE notes SET body = '{}' WHERE id = {id}", body.body);
        match sqlx::query(&q).execute(&self.pool).await {
            Ok(_) => Ok(note),
            Err(e) => Err(AppError::Db(e.to_string())),
        }
    }
}

pub async fn update_note(State(s): State<AppState>, Path(id): Path<i64>, user: AuthUser, Json(b): Json<UpdateNote>) -> Result<Json<Note>, AppError> {
    let items: Vec<i64> = s.items.iter().filter(|i| i.active).map(|i| i.id * 2).collect();
    Ok(Json(s.notes.update(id, &user, b).await?))
}
"#;

fn bench(c: &mut Criterion) {
    for (lang, unit) in [(Lang::Python, PY), (Lang::Rust, RS)] {
        let text = unit.repeat(400);
        let mut group = c.benchmark_group(lang.name());
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(20);
        group.bench_function("parse", |b| {
            b.iter(|| parse(lang, text.clone()).expect("parses"));
        });
        let parsed = parse(lang, text.clone()).expect("parses");
        group.bench_function("lower", |b| b.iter(|| ir::lower(&parsed).body.len()));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
