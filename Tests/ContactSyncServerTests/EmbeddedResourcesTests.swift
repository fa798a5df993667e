@testable import ContactSyncServer
import Foundation
import Testing

@Suite("The binary carries its resources")
struct EmbeddedResourcesTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/ContactSyncServer/Resources").standardizedFileURL

    @Test("embeddedResourcesMatchTheFiles: every file under Resources is embedded as it is on disk (run scripts/embed-resources after changing one)")
    func embeddedResourcesMatchTheFiles() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.resources.path)
            .filter { path in
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: Self.resources.appendingPathComponent(path).path, isDirectory: &directory) && !directory.boolValue
            }
            .filter { $0 != "console/VENDORED.md" }
        #expect(Set(files) == Set(EmbeddedResources.base64.keys))
        for path in files {
            let onDisk = try Data(contentsOf: Self.resources.appendingPathComponent(path))
            #expect(EmbeddedResources.data(path) == onDisk, "\(path) differs from its embedded copy")
        }
    }
}
