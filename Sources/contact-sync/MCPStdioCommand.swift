import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `contact-sync mcp-stdio`: serves MCP over standard input and output for desktop hosts that only speak
/// stdio, forwarding each message to the agent's MCP endpoint with the agent key from
/// `CONTACT_SYNC_AGENT_KEY`.
struct MCPStdioCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp-stdio", abstract: "Bridge an MCP host speaking stdio to an agent's MCP endpoint.", discussion: SettingFlags.help(for: "mcp-stdio"))

    @OptionGroup var settings: SettingFlags

    func run() async throws {
        let config = try await config()
        let url = try config.required(.serviceURL, config.text)
        let agent = try config.required(.agent, config.text)
        guard let key = try config.text(.agentKey) else {
            throw ValidationError("Set CONTACT_SYNC_AGENT_KEY to one of the agent's keys (POST /v1/agents/{id}/keys).")
        }
        let endpoint = (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/v1/agents/\(agent)/mcp"
        var protocolVersion: String?
        // Newline-delimited JSON-RPC messages, as MCP's stdio transport frames them.
        while let line = readLine(strippingNewline: true) {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let message = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            var request = HTTPClientRequest(url: endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json, text/event-stream")
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            if let protocolVersion { request.headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
            request.body = .bytes(ByteBuffer(string: line))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                let body = try await response.body.collect(upTo: 16 << 20)
                if response.status == .ok {
                    let data = Data(body.readableBytesView)
                    if message?["method"] as? String == "initialize",
                        let answer = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                        let version = (answer["result"] as? [String: Any])?["protocolVersion"] as? String
                    {
                        protocolVersion = version
                    }
                    write(data)
                } else if response.status != .accepted {
                    reply(error: "contact-sync answered \(response.status.code): \(String(buffer: body))", to: message)
                }
            } catch {
                reply(error: "contact-sync could not be reached at \(url): \(error)", to: message)
            }
        }
    }

    /// A JSON-RPC error for a request that got no JSON-RPC answer (notifications get none).
    private func reply(error text: String, to message: [String: Any]?) {
        guard let message, let id = message["id"] else { return }
        let answer: [String: Any] = ["jsonrpc": "2.0", "id": id, "error": ["code": -32603, "message": text]]
        if let data = try? JSONSerialization.data(withJSONObject: answer) { write(data) }
    }

    private func write(_ data: Data) {
        var line = data.filter { $0 != UInt8(ascii: "\n") }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(line)
    }
}
