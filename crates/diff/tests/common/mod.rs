//! Real repositories in temporary directories, built with git2 and fixed signatures (no mocks).
#![allow(dead_code)]

use std::cell::Cell;
use std::path::{Path, PathBuf};

use git2::{Commit, IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature, Time};
use secreview_diff::{ChangeSet, Mode, Options};
use secreview_model::ChangedFile;
use tempfile::TempDir;

pub struct TestRepo {
    pub dir: TempDir,
    pub repo: Repository,
    clock: Cell<i64>,
}

impl TestRepo {
    /// An empty repository whose unborn HEAD is `main`.
    pub fn init() -> Self {
        let dir = TempDir::new().unwrap();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).unwrap();
        Self {
            dir,
            repo,
            clock: Cell::new(1_700_000_000),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn abs(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let p = self.abs(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.abs(rel)).unwrap();
        self
    }

    /// `git add -A`.
    pub fn stage_all(&self) {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
    }

    /// `git add PATH`.
    pub fn stage(&self, rel: &str) {
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(rel)).unwrap();
        index.write().unwrap();
    }

    fn signature(&self) -> Signature<'static> {
        let t = self.clock.get() + 60;
        self.clock.set(t);
        Signature::new("Test Author", "test@example.com", &Time::new(t, 0)).unwrap()
    }

    /// Stages everything and commits on HEAD.
    pub fn commit(&self, message: &str) -> Oid {
        self.stage_all();
        self.commit_index(message)
    }

    /// Commits the index as it is on HEAD.
    pub fn commit_index(&self, message: &str) -> Oid {
        let parents: Vec<Commit<'_>> = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let refs: Vec<&Commit<'_>> = parents.iter().collect();
        self.commit_with_parents(message, &refs)
    }

    /// Commits the current index on HEAD with explicit parents (merges, orphans).
    pub fn commit_with_parents(&self, message: &str, parents: &[&Commit<'_>]) -> Oid {
        let mut index = self.repo.index().unwrap();
        let tree_id = index.write_tree().unwrap();
        let tree = self.repo.find_tree(tree_id).unwrap();
        let sig = self.signature();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, parents)
            .unwrap()
    }

    pub fn branch(&self, name: &str) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &head, false).unwrap();
    }

    /// Switches HEAD to a branch and forces the working tree and index to it.
    pub fn checkout(&self, name: &str) {
        self.repo.set_head(&format!("refs/heads/{name}")).unwrap();
        let mut co = git2::build::CheckoutBuilder::new();
        co.force().remove_untracked(true);
        self.repo.checkout_head(Some(&mut co)).unwrap();
    }

    pub fn head(&self) -> Oid {
        self.repo.head().unwrap().peel_to_commit().unwrap().id()
    }

    pub fn collect(&self, mode: &Mode) -> ChangeSet {
        secreview_diff::collect(self.path(), mode, &Options::default()).unwrap()
    }
}

pub fn base(name: &str) -> Mode {
    Mode::Branch {
        base: Some(name.to_owned()),
    }
}

pub fn file<'a>(set: &'a ChangeSet, path: &str) -> &'a ChangedFile {
    set.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not in {:?}", paths(set)))
}

pub fn paths(set: &ChangeSet) -> Vec<&str> {
    set.files.iter().map(|f| f.path.as_str()).collect()
}

pub fn lines(set: &secreview_model::LineSet) -> Vec<u32> {
    set.iter().collect()
}
