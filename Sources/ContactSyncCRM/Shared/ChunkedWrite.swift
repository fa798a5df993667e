/// Batch writes in chunks, so that one chunk's failure never loses another's results.
enum ChunkedWrite {
    /// Writes `inputs` in chunks of `size` with `write` (one result per input of a chunk, in order). A chunk
    /// refused as a whole with a 400 or 409 (one bad input can spoil a call) is written again one input at
    /// a time; a chunk that fails otherwise fails its inputs alone. One result per input, in order.
    static func run<Input>(
        _ inputs: [Input], size: Int, _ write: (ArraySlice<Input>) async throws(CRMError) -> [RecordResult]
    ) async -> [RecordResult] {
        var results: [RecordResult] = []
        for chunk in inputs.chunked(into: size) {
            do throws(CRMError) {
                results += try await write(chunk)
            } catch where chunk.count > 1 && !error.isRetryable && [400, 409].contains(error.status ?? 0) {
                for index in chunk.indices {
                    do throws(CRMError) {
                        results += try await write(chunk[index...index])
                    } catch {
                        results.append(.failure(error))
                    }
                }
            } catch {
                results += Array(repeating: .failure(error), count: chunk.count)
            }
        }
        return results
    }
}
