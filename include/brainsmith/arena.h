/* arena.h - region allocator: allocate freely, free once.
 *
 * IR graphs, parse trees and per-request data live in arenas.  Blocks grow
 * geometrically; allocations are 16-byte aligned.  Allocation failure
 * returns NULL and sets BS_ENOMEM in the error context. */
#ifndef BRAINSMITH_ARENA_H
#define BRAINSMITH_ARENA_H

#include <stddef.h>
#include <stdarg.h>

typedef struct bs_arena_block bs_arena_block;
typedef struct bs_arena {
    bs_arena_block *head;
    size_t block_size;   /* default size of new blocks */
    size_t total;        /* bytes handed out, for statistics */
} bs_arena;

void bs_arena_init(bs_arena *a, size_t block_size /* 0 = 64 KiB */);
void *bs_arena_alloc(bs_arena *a, size_t n);
void *bs_arena_calloc(bs_arena *a, size_t count, size_t size);
/* Copies `n` bytes of p into the arena. */
void *bs_arena_memdup(bs_arena *a, const void *p, size_t n);
char *bs_arena_strdup(bs_arena *a, const char *s);   /* NULL -> NULL */
char *bs_arena_strndup(bs_arena *a, const char *s, size_t n);
char *bs_arena_sprintf(bs_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *bs_arena_vsprintf(bs_arena *a, const char *fmt, va_list ap);
/* Frees every block; the arena can be reused afterwards. */
void bs_arena_free(bs_arena *a);

#endif
