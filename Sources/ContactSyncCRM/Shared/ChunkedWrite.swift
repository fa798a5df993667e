/// Batch calls in chunks, a few under way at once, so that one chunk's failure never loses another's
/// results and a batch of many chunks takes a few round trips rather than one per chunk.
enum ChunkedWrite {
    /// Chunks of one batch under way at once: as many as the HTTP client keeps connections to one host (8),
    /// so that a batch of the offline queue's size (600 runs, 6 chunks of 100) writes each stage in about
    /// one round trip and the last rate-limit window of a burst drains fast, and no chunk waits for a
    /// connection against its own timeout.
    static let width = 8

    /// Writes `inputs` in chunks of `size` with `write` (one result per input of a chunk, in order). A chunk
    /// refused as a whole with a 400 or 409 (one bad input can spoil a call) is written again one input at
    /// a time; a chunk that fails otherwise fails its inputs alone. One result per input, in order.
    static func run<Input: Sendable>(
        _ inputs: [Input], size: Int, _ write: @escaping @Sendable (ArraySlice<Input>) async throws(CRMError) -> [RecordResult]
    ) async -> [RecordResult] {
        await inOrder(inputs.chunked(into: size)) { chunk in
            do throws(CRMError) {
                return try await write(chunk)
            } catch where chunk.count > 1 && !error.isRetryable && [400, 409].contains(error.status ?? 0) {
                var results: [RecordResult] = []
                for index in chunk.indices {
                    do throws(CRMError) {
                        results += try await write(chunk[index...index])
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return results
            } catch {
                return Array(repeating: .failure(error), count: chunk.count)
            }
        }.flatMap { $0 }
    }

    /// `body` of every item, at most ``width`` under way at once, the outputs in the items' order. One item
    /// runs in the caller's task.
    static func inOrder<Item: Sendable, Output: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async -> Output
    ) async -> [Output] {
        if items.count == 1 { return [await body(items[0])] }
        return await withTaskGroup(of: (Int, Output).self) { group in
            var outputs = [Output?](repeating: nil, count: items.count)
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask { (index, await body(items[index])) }
            }
            while next < min(width, items.count) { start() }
            for await (index, output) in group {
                outputs[index] = output
                if next < items.count { start() }
            }
            return outputs.map { $0! }
        }
    }

    /// `body` of every item as ``inOrder(_:_:)`` does, throwing the first item's error (in the items' order)
    /// once all have ended.
    static func inOrder<Item: Sendable, Output: Sendable>(
        _ items: [Item], throwing body: @escaping @Sendable (Item) async throws(CRMError) -> Output
    ) async throws(CRMError) -> [Output] {
        let results = await inOrder(items) { item -> Result<Output, CRMError> in
            do throws(CRMError) { return .success(try await body(item)) } catch { return .failure(error) }
        }
        return try results.map { result throws(CRMError) in try result.get() }
    }
}
