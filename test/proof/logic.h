/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * ACSL logic shared by contracts.h and the annotations weave.py puts into
 * the WP copy of shmring_ring.h (which is why it needs no C type).
 */

#ifndef XENSHM_PROOF_LOGIC_H
#define XENSHM_PROOF_LOGIC_H

/*@
  // Indexing an array of mask + 1 entries by (index & mask) stays in
  // 0 .. mask.  WP treats '&' as an uninterpreted function on integers
  // and its provers cannot show this, so it is the one fact the proof
  // ASSUMES (three axioms below, true in the model where u32_mask(x, m)
  // means "both are 32-bit unsigned values", so they are consistent).
  // run.sh has Z3 prove the fact on 32-bit bit-vectors (bvand x m <= m),
  // where '&' means exactly what C means, before it trusts them.
  //
  // Why the odd shape: WP hands a goal only the axioms whose own symbols
  // it mentions (hence the predicate u32_mask, which the woven
  // assertions mention), and WP orders the operands of '&' by the names
  // of variables (hence the same axiom twice, with the mask as the
  // first and as the second operand).
  axiomatic LandMask {
    predicate u32_mask(integer x, integer m);
    axiom u32_mask_intro: \forall integer x, m;
	0 <= x <= 0xFFFFFFFF && 0 <= m <= 0xFFFFFFFF ==> u32_mask(x, m);
    axiom land_mask_1: \forall integer x, m;
	u32_mask(x, m) ==> 0 <= (x & m) <= m;
    axiom land_mask_2: \forall integer a, z;
	u32_mask(a, z) ==> 0 <= (a & z) <= z;
  }
*/

#endif
