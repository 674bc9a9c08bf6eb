import OSSCore

/// ListBuckets, GetBucketInfo, GetBucketStat, GetBucketLocation, and the fixed ACL answer.
extension OperationHandlers {
    func listBuckets() -> OSSResponse {
        var xml = XMLWriter(root: "ListAllMyBucketsResult")
        ownerXML(&xml)
        xml.open("Buckets")
        for name in server.engine.bucketNames {
            guard let store = server.engine.bucket(name) else { continue }
            let d = store.definition
            xml.open("Bucket")
            xml.element("CreationDate", HTTPDate.iso8601(d.creationDate))
            xml.element("ExtranetEndpoint", "\(location(d.region)).aliyuncs.com")
            xml.element("IntranetEndpoint", "\(location(d.region))-internal.aliyuncs.com")
            xml.element("Location", location(d.region))
            xml.element("Name", d.name)
            xml.element("Region", d.region)
            xml.element("StorageClass", d.storageClass)
            xml.close("Bucket")
        }
        xml.close("Buckets")
        return .xml(xml.finish())
    }

    func getBucketInfo() -> OSSResponse {
        let d = bucket.definition
        var xml = XMLWriter(root: "BucketInfo")
        xml.open("Bucket")
        xml.element("AccessMonitor", "Disabled")
        xml.element("CreationDate", HTTPDate.iso8601(d.creationDate))
        xml.element("ExtranetEndpoint", "\(location(d.region)).aliyuncs.com")
        xml.element("IntranetEndpoint", "\(location(d.region))-internal.aliyuncs.com")
        xml.element("Location", location(d.region))
        xml.element("StorageClass", d.storageClass)
        xml.element("TransferAcceleration", "Disabled")
        xml.element("CrossRegionReplication", "Disabled")
        xml.element("DataRedundancyType", "LRS")
        xml.element("Name", d.name)
        xml.element("ResourceGroupId", "rg-default")
        ownerXML(&xml)
        xml.open("AccessControlList")
        xml.element("Grant", "private")
        xml.close("AccessControlList")
        xml.open("ServerSideEncryptionRule")
        xml.element("SSEAlgorithm", "None")
        xml.close("ServerSideEncryptionRule")
        xml.open("BucketPolicy")
        xml.element("LogBucket", "")
        xml.element("LogPrefix", "")
        xml.close("BucketPolicy")
        xml.element("Comment", "oss-local")
        xml.element("BlockPublicAccess", "false")
        xml.close("Bucket")
        return .xml(xml.finish())
    }

    func getBucketStat() -> OSSResponse {
        let stat = bucket.stat()
        let d = bucket.definition
        var xml = XMLWriter(root: "BucketStat")
        xml.element("Storage", String(stat.storage))
        xml.element("ObjectCount", String(stat.objectCount))
        xml.element("MultipartUploadCount", String(stat.multipartUploadCount))
        xml.element("LiveChannelCount", "0")
        xml.element("LastModifiedTime", String(stat.lastModified))
        // Per-class figures: oss-local counts per bucket, so everything is in the bucket's class.
        for cls in [("Standard", "Standard"), ("IA", "InfrequentAccess"), ("Archive", "Archive"),
                    ("ColdArchive", "ColdArchive"), ("DeepColdArchive", "DeepColdArchive")] {
            let mine = d.storageClass == cls.0
            xml.element("\(cls.1)Storage", mine ? String(stat.storage) : "0")
            xml.element("\(cls.1)RealStorage", mine ? String(stat.storage) : "0")
            xml.element("\(cls.1)ObjectCount", mine ? String(stat.objectCount) : "0")
        }
        return .xml(xml.finish())
    }

    func getBucketLocation() -> OSSResponse {
        // A root with text only, which XMLWriter (elements under a root) does not write.
        let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>"
            + XML.escape(location(bucket.definition.region)) + "</LocationConstraint>"
        return .xml(document)
    }

    func getACL(root: String, grant: String) -> OSSResponse {
        var xml = XMLWriter(root: root)
        ownerXML(&xml)
        xml.open("AccessControlList")
        xml.element("Grant", grant)
        xml.close("AccessControlList")
        return .xml(xml.finish())
    }
}
