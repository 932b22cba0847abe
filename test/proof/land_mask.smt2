; SPDX-License-Identifier: BSD-3-Clause
; The fact behind logic.h's axioms, on 32-bit unsigned values: for all
; x and m, (x & m) <= m (and >= 0, which unsigned gives).  run.sh asks
; Z3 for a counterexample; "unsat" means there is none.
(set-logic QF_BV)
(declare-const x (_ BitVec 32))
(declare-const m (_ BitVec 32))
(assert (not (bvule (bvand x m) m)))
(check-sat)
