use super::*;

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

#[test]
fn pieces_are_aligned_distinct_and_then_the_systems() {
    let arena = Box::new(Arena::new());
    let mut pieces = Vec::new();
    for (size, align) in [(1, 1), (24, 8), (3, 1), (64, 64), (100, 16), (5000, 4096)] {
        let ptr = unsafe { arena.alloc(layout(size, align)) };
        assert!(
            arena.owns(ptr) && (ptr as usize).is_multiple_of(align),
            "{size} {align}"
        );
        unsafe { std::ptr::write_bytes(ptr, size as u8, size) };
        pieces.push((ptr, size));
    }
    for (ptr, size) in &pieces {
        let bytes = unsafe { std::slice::from_raw_parts(*ptr, *size) };
        assert!(bytes.iter().all(|&b| b == *size as u8), "pieces overlap");
    }
    // Past the block: the system's memory, freed to it.
    let big = unsafe { arena.alloc(layout(SIZE, 8)) };
    assert!(!big.is_null() && !arena.owns(big));
    unsafe { arena.dealloc(big, layout(SIZE, 8)) };
    for (ptr, size) in pieces {
        unsafe { arena.dealloc(ptr, layout(size, 1)) };
    }
}

#[test]
fn realloc_grows_the_last_piece_in_place_and_copies_others() {
    let arena = Box::new(Arena::new());
    let a = unsafe { arena.alloc(layout(8, 8)) };
    unsafe { std::ptr::write_bytes(a, 7, 8) };
    let grown = unsafe { arena.realloc(a, layout(8, 8), 32) };
    assert_eq!(grown, a, "the last piece grows in place");
    let b = unsafe { arena.alloc(layout(8, 8)) };
    let moved = unsafe { arena.realloc(a, layout(32, 8), 64) };
    assert!(moved != a && moved != b && arena.owns(moved));
    assert_eq!(unsafe { std::slice::from_raw_parts(moved, 8) }, [7; 8]);
    // Moved out of the block when it no longer fits, contents kept.
    let out = unsafe { arena.realloc(moved, layout(64, 8), 2 * SIZE) };
    assert!(!arena.owns(out));
    assert_eq!(unsafe { std::slice::from_raw_parts(out, 8) }, [7; 8]);
    unsafe { arena.dealloc(out, layout(2 * SIZE, 8)) };
}

#[test]
fn threads_never_share_a_piece() {
    let arena: &'static Arena = Box::leak(Box::new(Arena::new()));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                (0..200)
                    .map(|_| {
                        let ptr = unsafe { arena.alloc(layout(16, 8)) };
                        unsafe { std::ptr::write_bytes(ptr, t, 16) };
                        ptr as usize
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<usize> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert!(
        all.windows(2).all(|w| w[1] - w[0] >= 16),
        "overlapping pieces"
    );
}

#[test]
fn zeroed_pieces_are_zero_even_where_a_piece_shrank() {
    let arena = Box::new(Arena::new());
    let a = unsafe { arena.alloc(layout(64, 8)) };
    unsafe { std::ptr::write_bytes(a, 0xff, 64) };
    let shrunk = unsafe { arena.realloc(a, layout(64, 8), 8) };
    assert_eq!(shrunk, a);
    let z = unsafe { arena.alloc_zeroed(layout(32, 8)) };
    assert!(arena.owns(z));
    assert_eq!(unsafe { std::slice::from_raw_parts(z, 32) }, [0; 32]);
    let big = unsafe { arena.alloc_zeroed(layout(4 * SIZE, 8)) };
    assert!(!arena.owns(big));
    assert!(
        unsafe { std::slice::from_raw_parts(big, 4 * SIZE) }
            .iter()
            .all(|&b| b == 0)
    );
    unsafe { arena.dealloc(big, layout(4 * SIZE, 8)) };
}
