import ObjectStore

extension StoreFixtures {
    /// OSSClient against an in-process oss-local; wired once both land.
    static var ossFixtures: [StoreFixture] { [] }
}
