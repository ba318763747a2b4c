//! Throughput of the engine on generated input (release build: `cargo bench -p secreview-engine`):
//! - `secrets`: the whole secrets pack over added text (target ≥ 200 MB/s on 2 cores);
//! - `parse`: tree-sitter parsing alone of a Python corpus, the floor for everything else;
//! - `all_rules`: every rule (authz, injection taint, queries, secrets) over the same corpus, to compare with `parse`
//!   (target: within 2× of it).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secreview_engine::{Engine, Kinds, Settings};
use secreview_model::ChangedFile;
use secreview_rules::RuleSet;

const PY: &str = r#"
import os
import subprocess
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text

router = APIRouter()


def normalise(value: str) -> str:
    return value.strip().lower()


@router.put("/items/{item_id}")
def update_item(item_id: int, payload: ItemUpdate, db=Depends(get_db), user=Depends(get_current_user)):
    item = db.get(Item, item_id)
    if item is None or item.owner_id != user.id:
        raise HTTPException(status_code=404)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    db.commit()
    return item


@router.get("/search")
def search(q: str, db=Depends(get_db)):
    rows = db.execute(text("SELECT * FROM items WHERE name = :q"), {"q": normalise(q)}).all()
    names = [r.name for r in rows if r.visible]
    report = os.path.join("/srv/reports", "latest.txt")
    subprocess.run(["wc", "-l", report], check=False)
    return {"names": names, "count": len(names)}
"#;

const TEXT: &str = "DATABASE_URL=postgres://app@db:5432/app\nLOG_LEVEL=info\nFEATURE_FLAGS=search,ratings\n\
    # deploy notes: rotate keys monthly, see the runbook\nTIMEOUT_SECONDS=30\nREGION=eu-west-1\n";

fn corpus(unit: &str, bytes: usize) -> Vec<ChangedFile> {
    let per_file = unit.repeat(20);
    let n = bytes / per_file.len() + 1;
    (0..n)
        .map(|i| ChangedFile::whole(format!("app/m{}/f{i}.py", i % 50), per_file.clone()))
        .collect()
}

fn engine() -> Engine {
    Engine::new(
        RuleSet::embedded().expect("rules load"),
        Settings {
            today: "2026-11-24".into(),
            show_secrets: false,
        },
    )
    .expect("engine")
}

fn bench(c: &mut Criterion) {
    let engine = engine();
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);

    let mut text_files = corpus(TEXT, 16 << 20);
    for f in &mut text_files {
        f.path = f.path.replace(".py", ".env");
    }
    let bytes: usize = text_files.iter().map(|f| f.new_text.len()).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("secrets", |b| {
        b.iter(|| engine.scan(&text_files, Kinds::SECRETS));
    });

    let py = corpus(PY, 8 << 20);
    let bytes: usize = py.iter().map(|f| f.new_text.len()).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            use rayon::prelude::*;
            py.par_iter()
                .map(|f| {
                    secreview_syntax::parse(secreview_syntax::Lang::Python, f.new_text.clone())
                        .map(|p| p.line_count())
                        .ok()
                })
                .count()
        });
    });
    g.bench_function("all_rules", |b| b.iter(|| engine.scan(&py, Kinds::ALL)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
