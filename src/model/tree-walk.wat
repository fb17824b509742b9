;; The tree walk of the compiled tree scorer (src/model/tree-walk.ts loads it; tree-layout.ts
;; writes the records). Source of truth: tree-walk.wasm beside it is this file assembled by wabt,
;; and test/model/tree-walk-wasm.test.ts fails when the two differ
;; (`npx tsx scripts/write-tree-walk-wasm.ts` rewrites it).
;;
;; The walk is branchless and fixed-depth, four rows at a time, so the loads of four independent
;; walks overlap instead of waiting on each other and no branch is mispredicted. Why WebAssembly
;; rather than the same walk in JS over the same records (typed arrays, four rows interleaved),
;; measured on one core of a shared machine (docs/artifacts.md has the figures):
;; - the walk alone, 50,000 generated leads in 256-row batches: 1.06 µs a lead here, 1.62 in JS
;;   (2.82 for the branchy one-row walk this replaced);
;; - in `lead-scoring score` (300,000 leads, CPU profile): 1.6 µs a lead here, 2.4 in JS; rows per
;;   CPU-second higher than JS's in 16 of 20 interleaved A/B runs (median ratio 1.14).
;;
;; Memory layout (byte offsets; every record 16-byte aligned):
;;   node record, 16 bytes, one per node, a tree's nodes breadth first so that a node's right
;;   child is the record after its left child:
;;     +0  i32  byte offset of the left child's record, OR 1 when missing goes right
;;              (XGBoost's default_left = 0); a leaf points to itself with the bit clear
;;     +4  i32  the split feature's byte offset within a row (feature index * 4; 0 at a leaf)
;;     +8  f32  the split threshold; NaN at a leaf, so `x >= NaN` is false and the walk stays
;;     +12 f32  the leaf value (0 at an inner node)
;;   tree entry, 8 bytes, one per tree in XGBoost's order:
;;     +0  i32  byte offset of the root's record
;;     +4  i32  steps: the tree's depth, at least 1 (a step at a leaf stays there)
;;   features: row-major float32 rows of rowBytes each; margins out: one f32 per row.
(module
  (memory (export "memory") 1)

  ;; One step: goRight = (x >= split) XOR (isNaN(x) AND defaultRight); next = left + goRight.
  ;; A finite x goes right exactly when XGBoost's `x < split` is false; NaN (missing) takes the
  ;; default child as XGBoost does.
  (func $step (param $node i32) (param $row i32) (result i32)
    (local $link i32) (local $x f32)
    (local.set $link (i32.load (local.get $node)))
    (local.set $x (f32.load (i32.add (local.get $row) (i32.load offset=4 (local.get $node)))))
    (i32.add
      (i32.and (local.get $link) (i32.const -16))
      (i32.shl
        (i32.xor
          (f32.ge (local.get $x) (f32.load offset=8 (local.get $node)))
          (i32.and (f32.ne (local.get $x) (local.get $x)) (local.get $link)))
        (i32.const 4))))

  ;; margins(features, rows, rowBytes, trees, treeCount, base, out): for each row,
  ;; out[row] = base + the leaves of every tree in order, in float32 after every addition
  ;; (XGBoost's float output buffer). treeCount must be at least 1. Rows go four at a time, the
  ;; last rows one at a time.
  (func (export "margins")
    (param $features i32) (param $rows i32) (param $rowBytes i32)
    (param $trees i32) (param $treeCount i32) (param $base f32) (param $out i32)
    (local $tree i32) (local $treesLeft i32) (local $rowsLeft i32) (local $steps i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)
    (local $m0 f32) (local $m1 f32) (local $m2 f32) (local $m3 f32)
    (local.set $o0 (local.get $features))
    (local.set $rowsLeft (local.get $rows))
    (block $fours_done
      (loop $fours
        (br_if $fours_done (i32.lt_u (local.get $rowsLeft) (i32.const 4)))
        (local.set $o1 (i32.add (local.get $o0) (local.get $rowBytes)))
        (local.set $o2 (i32.add (local.get $o1) (local.get $rowBytes)))
        (local.set $o3 (i32.add (local.get $o2) (local.get $rowBytes)))
        (local.set $m0 (local.get $base))
        (local.set $m1 (local.get $base))
        (local.set $m2 (local.get $base))
        (local.set $m3 (local.get $base))
        (local.set $tree (local.get $trees))
        (local.set $treesLeft (local.get $treeCount))
        (loop $trees4
          (local.set $n0 (i32.load (local.get $tree)))
          (local.set $n1 (local.get $n0))
          (local.set $n2 (local.get $n0))
          (local.set $n3 (local.get $n0))
          (local.set $steps (i32.load offset=4 (local.get $tree)))
          (loop $steps4
            (local.set $n0 (call $step (local.get $n0) (local.get $o0)))
            (local.set $n1 (call $step (local.get $n1) (local.get $o1)))
            (local.set $n2 (call $step (local.get $n2) (local.get $o2)))
            (local.set $n3 (call $step (local.get $n3) (local.get $o3)))
            (br_if $steps4 (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
          (local.set $m0 (f32.add (local.get $m0) (f32.load offset=12 (local.get $n0))))
          (local.set $m1 (f32.add (local.get $m1) (f32.load offset=12 (local.get $n1))))
          (local.set $m2 (f32.add (local.get $m2) (f32.load offset=12 (local.get $n2))))
          (local.set $m3 (f32.add (local.get $m3) (f32.load offset=12 (local.get $n3))))
          (local.set $tree (i32.add (local.get $tree) (i32.const 8)))
          (br_if $trees4 (local.tee $treesLeft (i32.sub (local.get $treesLeft) (i32.const 1)))))
        (f32.store offset=0 (local.get $out) (local.get $m0))
        (f32.store offset=4 (local.get $out) (local.get $m1))
        (f32.store offset=8 (local.get $out) (local.get $m2))
        (f32.store offset=12 (local.get $out) (local.get $m3))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $o0 (i32.add (local.get $o3) (local.get $rowBytes)))
        (local.set $rowsLeft (i32.sub (local.get $rowsLeft) (i32.const 4)))
        (br $fours)))
    (block $ones_done
      (loop $ones
        (br_if $ones_done (i32.eqz (local.get $rowsLeft)))
        (local.set $m0 (local.get $base))
        (local.set $tree (local.get $trees))
        (local.set $treesLeft (local.get $treeCount))
        (loop $trees1
          (local.set $n0 (i32.load (local.get $tree)))
          (local.set $steps (i32.load offset=4 (local.get $tree)))
          (loop $steps1
            (local.set $n0 (call $step (local.get $n0) (local.get $o0)))
            (br_if $steps1 (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
          (local.set $m0 (f32.add (local.get $m0) (f32.load offset=12 (local.get $n0))))
          (local.set $tree (i32.add (local.get $tree) (i32.const 8)))
          (br_if $trees1 (local.tee $treesLeft (i32.sub (local.get $treesLeft) (i32.const 1)))))
        (f32.store (local.get $out) (local.get $m0))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $o0 (i32.add (local.get $o0) (local.get $rowBytes)))
        (local.set $rowsLeft (i32.sub (local.get $rowsLeft) (i32.const 1)))
        (br $ones)))))
