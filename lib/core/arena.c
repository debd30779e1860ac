/* arena.c - region allocator with geometric block growth. */
#include "brainsmith/arena.h"
#include "brainsmith/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bs_arena_block {
    bs_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 16

void bs_arena_init(bs_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void *bs_arena_alloc(bs_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) {
        bs_error_set(BS_ENOMEM, "arena: allocation of %zu bytes overflows", n);
        return NULL;
    }
    bs_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = a->block_size;
        if (b && b->size >= size && size < (SIZE_MAX / 4))
            size = b->size * 2 > 16 * 1024 * 1024 ? b->size : b->size * 2;
        if (size < need)
            size = need;
        b = malloc(sizeof *b + size);
        if (!b) {
            bs_error_set(BS_ENOMEM, "arena: cannot allocate a block of %zu bytes", size);
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += n;
    return p;
}

void *bs_arena_calloc(bs_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        bs_error_set(BS_ENOMEM, "arena: %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    void *p = bs_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *bs_arena_memdup(bs_arena *a, const void *p, size_t n)
{
    void *d = bs_arena_alloc(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *bs_arena_strndup(bs_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = bs_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *bs_arena_strdup(bs_arena *a, const char *s)
{
    return s ? bs_arena_strndup(a, s, strlen(s)) : NULL;
}

char *bs_arena_vsprintf(bs_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *d = bs_arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *bs_arena_sprintf(bs_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = bs_arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

void bs_arena_free(bs_arena *a)
{
    bs_arena_block *b = a->head;
    while (b) {
        bs_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}
