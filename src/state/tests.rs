//! Tests of the nightly state: runs, manifests, kept hashes, near bands and the layout check.

use super::*;
use crate::dedup::RecordId;

fn record(run: u64) -> RunRecord {
    RunRecord {
        finished_at: None,
        state_bytes: None,
        run,
        output_dir: PathBuf::from("/out"),
        staging_dir: ".scour-tmp-1".into(),
        kept: 0,
        duplicates: 0,
        rejected: 0,
        files_read: 0,
        files_unchanged: 0,
    }
}

#[test]
fn what_a_run_keeps_is_seen_only_after_commit_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let state = State::open(&path).unwrap();
    let hash = [7u8; 32];
    {
        let writer = state.begin_run().unwrap();
        let mut batch = writer.batch().unwrap();
        assert_eq!(batch.get(&hash), None);
        batch.insert(&hash, RecordId(1));
        assert_eq!(batch.get(&hash), Some(RecordId(1)));
        // Dropped without commit: a killed run.
    }
    assert_eq!(state.next_run().unwrap(), 1);
    let writer = state.begin_run().unwrap();
    let mut batch = writer.batch().unwrap();
    assert_eq!(batch.get(&hash), None);
    batch.insert(&hash, RecordId(3));
    batch.record_file(
        "a.txt",
        FileStamp {
            size: 5,
            modified_ns: 9,
            content: 11,
        },
    );
    batch.finish().unwrap();
    writer.commit(&record(1)).unwrap();
    drop(state);

    let state = State::open(&path).unwrap();
    assert_eq!(state.next_run().unwrap(), 2);
    let stamp = state.manifest().unwrap().get("a.txt").unwrap();
    assert_eq!(stamp.size, 5);
    let writer = state.begin_run().unwrap();
    let mut batch = writer.batch().unwrap();
    assert_eq!(batch.get(&hash), Some(RecordId(3)));
}

#[test]
fn forgetting_a_run_drops_its_articles_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("s.redb")).unwrap();
    for run in 1..=2u8 {
        let writer = state.begin_run().unwrap();
        let mut batch = writer.batch().unwrap();
        batch.insert(&[run; 32], RecordId(u64::from(run)));
        batch.record_file(
            &format!("{run}.txt"),
            FileStamp {
                size: 1,
                modified_ns: 1,
                content: 0,
            },
        );
        batch.finish().unwrap();
        writer.commit(&record(u64::from(run))).unwrap();
    }
    assert_eq!(state.forget(1).unwrap(), Some((1, 1)));
    assert_eq!(state.forget(1).unwrap(), None);
    let stats = state.stats().unwrap();
    assert_eq!(stats.kept_articles, 1);
    assert_eq!(stats.manifest_files, 1);
    assert_eq!(stats.runs.len(), 1);
    assert!(state.manifest().unwrap().get("1.txt").is_none());
}

#[test]
fn a_state_of_another_layout_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().insert("schema", 99).unwrap();
        txn.commit().unwrap();
    }
    let error = State::open(&path).unwrap_err().to_string();
    assert!(error.contains("layout 99"), "{error}");
}

#[test]
fn a_touched_file_with_the_same_bytes_is_the_same_file() {
    let known = FileStamp {
        size: 10,
        modified_ns: 1,
        content: 42,
    };
    let touched = FileStamp {
        modified_ns: 2,
        ..known
    };
    assert!(touched.same_file(&known));
    let edited = FileStamp {
        content: 43,
        ..touched
    };
    assert!(!edited.same_file(&known));
    let streamed = FileStamp {
        content: 0,
        ..touched
    };
    assert!(!streamed.same_file(&FileStamp {
        content: 0,
        ..known
    }));
}

#[test]
fn a_state_open_elsewhere_is_refused_as_busy_even_before_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.redb");
    let first = State::open(&path).unwrap();
    assert!(matches!(State::open(&path), Err(Error::Busy { .. })));
    drop(first);
    State::open(&path).unwrap();
}

#[test]
fn an_empty_state_file_is_damage_not_a_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.redb");
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        State::open(&path),
        Err(Error::StateDamaged { .. })
    ));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}
