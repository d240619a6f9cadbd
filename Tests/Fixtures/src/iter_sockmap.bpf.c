// Iterators over socket maps: a sockmap and a socket-local storage map, both pinned by name
// (LIBBPF_PIN_BY_NAME) so that the first load creates them and a later one walks them with
// `map pinned`. The first program, a task iterator, only makes a load create the maps; the two
// map-element programs print each element (there are none until sockets are added: the matrix
// uses them for the map id that `iter show` reports). The context structs are declared here,
// not in a shared header, so that no other fixture's bytes change.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

enum { BPF_MAP_TYPE_SOCKMAP = 15, BPF_MAP_TYPE_SK_STORAGE = 24 };

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct sock;
struct bpf_iter__sockmap {
	struct bpf_iter_meta *meta;
	void *key;
	struct sock *sk;
};
struct bpf_iter__bpf_sk_storage_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	struct sock *sk;
	void *value;
};
#pragma clang attribute pop

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, 1);
} iter_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
	__uint(pinning, 1);
} iter_sk_store SEC(".maps");

SEC("iter/task")
int make_maps(struct bpf_iter__task *ctx)
{
	return 0;
}

SEC("iter/sockmap")
int dump_sockmap(struct bpf_iter__sockmap *ctx)
{
	__u32 *key = ctx->key;

	if (key == NULL || ctx->sk == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "sock %u\n", *key);
	return 0;
}

SEC("iter/bpf_sk_storage_map")
int dump_sk_storage(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	__u64 *value = ctx->value;

	if (value == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "storage %llu\n", *value);
	return 0;
}
