// Maps of maps declared as libbpf declares them: the inner maps' type is named (struct inner),
// the outer maps list it with __array(values, struct inner), and the initialisers put inner maps
// in slots ([0] and [2] of an array of maps; key 1 of a hash of maps, libbpf using the index as
// the key). outer_empty has the inner definition but no initialiser. On the first task only, the
// program looks every slot up, counts a hit in the inner map found and prints:
//   outer_arr[0] present / outer_arr[1] empty / outer_arr[2] present / outer_arr[3] empty /
//   outer_hash[1] present / outer_empty[0] empty (one a line).
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = {
		[0] = &inner_a,
		[2] = &inner_b,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = {
		[1] = &inner_b,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_empty SEC(".maps");

/* Counts a hit in slot 0 of the inner map, if there is one; true if there was. */
static __always_inline bool touch(void *inner_map)
{
	__u32 zero = 0;
	__u64 *hits;

	if (inner_map == NULL)
		return false;
	hits = bpf_map_lookup_elem(inner_map, &zero);
	if (hits != NULL)
		*hits += 1; /* not __sync_fetch_and_add: clang emits BPF_FETCH, which needs 5.12 */
	return true;
}

SEC("iter/task")
int dump_slots(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 i, key;

	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	/* Unrolled: the key lives on the stack (its address is passed), where the verifier does
	 * not track a loop counter, so a real loop would be refused as infinite. */
#pragma clang loop unroll(full)
	for (i = 0; i < 4; i++) {
		key = i;
		if (touch(bpf_map_lookup_elem(&outer_arr, &key)))
			BPF_SEQ_PRINTF(seq, "outer_arr[%u] present\n", i);
		else
			BPF_SEQ_PRINTF(seq, "outer_arr[%u] empty\n", i);
	}
	key = 1;
	if (touch(bpf_map_lookup_elem(&outer_hash, &key)))
		BPF_SEQ_PRINTF(seq, "outer_hash[%u] present\n", key);
	else
		BPF_SEQ_PRINTF(seq, "outer_hash[%u] empty\n", key);
	key = 0;
	if (touch(bpf_map_lookup_elem(&outer_empty, &key)))
		BPF_SEQ_PRINTF(seq, "outer_empty[%u] present\n", key);
	else
		BPF_SEQ_PRINTF(seq, "outer_empty[%u] empty\n", key);
	return 0;
}
