//! The process's allocator: the first allocations of a run are carved from one static block,
//! a pointer bump each, and never freed; the rest go to the system allocator. A cache hit
//! allocates a few KiB in some fifty pieces, and musl's allocator (in the static build users
//! install) spent more instructions on them than the hit spent on its work, with a dozen
//! mmap/munmap calls besides. The block is zero-initialised static memory, so only the pages
//! a run uses are ever touched; what is freed inside it is not reused, so a long command
//! (a login, `save --all`) holds at most the block's size more than it would otherwise.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Several times what a cache hit uses; later allocations of longer commands go to the system.
const SIZE: usize = 64 * 1024;

/// Aligned for any ordinary allocation; pieces asking more are aligned within the block.
#[repr(C, align(16))]
struct Block(UnsafeCell<[u8; SIZE]>);

/// The count first, so that it shares a page with the first pieces: a hit touches one page
/// of the arena, not also one 64 KiB further on (the static build's linker script puts the
/// arena after every other zero-initialised static, see `hit-path.ld`).
#[repr(C)]
pub struct Arena {
    /// Bytes handed out from the start of the block (alignment padding included).
    used: AtomicUsize,
    block: Block,
}

// SAFETY: the block is only ever reached through pointers handed out once each, by an atomic
// bump of `used`, so no two callers share a byte.
unsafe impl Sync for Arena {}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            used: AtomicUsize::new(0),
            block: Block(UnsafeCell::new([0; SIZE])),
        }
    }

    fn start(&self) -> usize {
        self.block.0.get() as usize
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        (self.start()..self.start() + SIZE).contains(&(ptr as usize))
    }

    /// A piece of the block, or None when it does not fit in what is left.
    /// Acquire/release on `used`: a piece a shrink gave back may be handed out again on another
    /// thread, whose writes must come after the first owner's.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let start = self.start();
        let mut used = self.used.load(Ordering::Acquire);
        loop {
            // Offsets stay below SIZE, so none of this can overflow.
            let offset = (start + used).next_multiple_of(layout.align()) - start;
            let end = offset
                .checked_add(layout.size())
                .filter(|&end| end <= SIZE)?;
            match self
                .used
                .compare_exchange_weak(used, end, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some((start + offset) as *mut u8),
                Err(now) => used = now,
            }
        }
    }
}

// SAFETY: pieces of the block are distinct, aligned as asked and live as long as the process;
// everything else is the system allocator's, passed through unchanged.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: the caller's layout, as GlobalAlloc requires.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            // A piece may hold bytes of a piece that shrank in place before it.
            Some(ptr) => {
                // SAFETY: a fresh piece of layout.size() bytes.
                unsafe { std::ptr::write_bytes(ptr, 0, layout.size()) };
                ptr
            }
            // The system's calloc: a large zeroed buffer stays untouched, out of RSS, till used.
            // SAFETY: the caller's layout, as GlobalAlloc requires.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: not the block's, so the system allocator gave it, with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(ptr) {
            // SAFETY: the system allocator's pointer and layout, as the caller gave them.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // The last piece handed out grows or shrinks in place, if nobody took the bytes after it.
        let offset = ptr as usize - self.start();
        let old_end = offset + layout.size();
        let new_end = offset + new_size;
        if new_end <= SIZE
            && self
                .used
                .compare_exchange(old_end, new_end, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: new_size is non-zero and, rounded to the alignment, fits isize (the caller's
        // contract for realloc).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid layout; the old piece holds layout.size() bytes, fewer than new_size,
        // and the new one does not overlap it.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size());
            }
            new
        }
    }
}

#[cfg(test)]
mod tests;
