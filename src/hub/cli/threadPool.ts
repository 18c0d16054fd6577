// Imported first by the hub CLI, before anything queues work on libuv's thread pool (its size is
// read once, when the first job arrives).
//
// Why: every D2C partition keeps one durable write in flight on the pool, and the segment
// housekeeping (zero-filling reserved space, trimming a closed segment) runs beside them with
// fsyncs of its own that take ~10-20 ms. With the default four threads one such fsync left a
// partition's commit waiting for a thread; eight threads keep the four partitions' writes, the
// housekeeping and SQLite's WAL syncs from queueing behind each other. An idle thread costs
// almost nothing. A user's own setting wins.
process.env['UV_THREADPOOL_SIZE'] ??= '8';
