/*
 * loader_write.so: a library whose constructor writes to stderr. The
 * dynamic loader runs constructors before the program's entry point, so
 * under `dmvx run --from-entry` (and in a run of two instruction sets) this
 * write falls in the loader phase, whose allow-list has no write: the run
 * must stop there, naming it.
 */
#include <unistd.h>

__attribute__((constructor)) static void announce(void)
{
	static const char msg[] = "loader_write: constructor ran\n";
	(void)!write(2, msg, sizeof(msg) - 1);
}
