/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Error codes.  Every rule that a peer can break has its own code, so a
 * caller can count each kind (the PMDs export them as xstats) and a test
 * can check that each rule rejects what it should.
 */

#ifndef SHMRING_ERR_H
#define SHMRING_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#define SHMRING_ERRORS(X) \
	/* ring indices (data path) */					\
	X(RING_PROD_AHEAD,	"producer index more than ring size ahead") \
	X(RING_CONS_AHEAD,	"consumer index ahead of producer")	\
	/* descriptors (data path) */					\
	X(DESC_ZERO_LEN,	"descriptor length is zero")		\
	X(DESC_TOO_LONG,	"descriptor length exceeds slot size")	\
	X(DESC_OUT_OF_BOUNDS,	"descriptor offset+length outside buffer area") \
	X(DESC_BAD_FLAGS,	"descriptor has unknown flags")		\
	X(DESC_CHAIN_TRUNCATED,	"descriptor chain ends past the producer index") \
	X(DESC_CHAIN_TOO_LONG,	"descriptor chain longer than allowed")	\
	X(FRAME_TOO_LONG,	"frame longer than MTU allows")		\
	/* region header (attach) */					\
	X(HDR_MAGIC,		"bad magic")				\
	X(HDR_VERSION,		"unsupported version")			\
	X(HDR_FEATURES,		"unknown feature bits")			\
	X(HDR_SIZE,		"header or region size invalid")	\
	X(HDR_QUEUES,		"queue pair count out of range")	\
	X(HDR_RING_SIZE,	"ring size not a power of two in range") \
	X(HDR_SLOT_SIZE,	"slot size out of range or unaligned")	\
	X(HDR_MTU,		"MTU out of range or larger than a frame allows") \
	X(HDR_LAYOUT,		"rings or buffer area overlap or exceed region") \
	X(HDR_MISMATCH,		"header differs from the handshake")	\
	/* handshake and transport (control path) */			\
	X(MSG_TRUNCATED,	"control message truncated")		\
	X(MSG_BAD,		"control message malformed")		\
	X(MSG_MAGIC,		"control message has a bad magic")	\
	X(MSG_TYPE,		"control message of unknown or unexpected type") \
	X(MSG_VERSION,		"peer speaks another protocol version")	\
	X(MSG_REJECTED,		"peer rejected the connection")		\
	X(FD_MISSING,		"no file descriptor with the message")	\
	X(FD_NOT_SEALED,	"shared memory file is not sealed")	\
	X(FD_SIZE,		"shared memory file size differs")	\
	X(PEER_CRED,		"peer credentials not allowed")		\
	X(BUSY,			"another peer is already attached")	\
	X(SYSTEM,		"system call failed (see errno)")	\
	X(NO_PEER,		"no peer yet")				\
	X(CONFIG,		"invalid configuration")			\
	/* appended later; the numbers are wire ABI (REJECT) */		\
	X(FD_KIND,		"shared memory file is not plain shmem")	\
	X(TIMEOUT,		"peer did not answer in time")

enum shmring_err {
	SHMRING_OK = 0,
#define SHMRING_ERR_ENUM(name, text) SHMRING_E_##name,
	SHMRING_ERRORS(SHMRING_ERR_ENUM)
#undef SHMRING_ERR_ENUM
	SHMRING_E_MAX
};

/* Human-readable text of an error code; never NULL. */
const char *shmring_strerror(int err);
/* Short stable name ("DESC_TOO_LONG"), for xstats names; never NULL. */
const char *shmring_errname(int err);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_ERR_H */
