# tasks.bash - for the suites whose demos run tasks on their own stacks
# (loop_task, loop_stream, loop_sync): `load helpers/tasks` after common.
#
# The ASan runtime prints one note per process that switches stacks with
# swapcontext; it says nothing about the program, so these drop it.

ASAN_SWAPCONTEXT_NOTE="ASan doesn't fully support makecontext/swapcontext"

# no_warnings - $stderr is empty but for ASan's note.
no_warnings() {
	local rest
	rest=$(printf '%s\n' "$stderr" | grep -v "$ASAN_SWAPCONTEXT_NOTE" || true)
	assert_equal "$rest" ""
}

# err_lines - the lines of $stderr into ERRS, without ASan's note.
err_lines() {
	mapfile -t ERRS < <(printf '%s\n' "$stderr" | grep -v "$ASAN_SWAPCONTEXT_NOTE")
}
