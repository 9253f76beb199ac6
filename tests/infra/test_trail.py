"""createTrail=true: a trail of this region's management writes, encrypted with a key only it may use,
validated, to a retained, versioned bucket; without the setting, no trail (most accounts have one)."""

from __future__ import annotations

from tests.infra.conftest import resources, synthesize


def test_no_trail_unless_asked(template):
    assert resources(template, "AWS::CloudTrail::Trail") == {}
    assert resources(template, "AWS::S3::Bucket") == {}


def test_the_trail_logs_management_writes_encrypted_validated_and_kept():
    template = synthesize(createTrail="true")
    ((_, trail),) = resources(template, "AWS::CloudTrail::Trail").items()
    properties = trail["Properties"]
    assert properties["EventSelectors"] == [{"IncludeManagementEvents": True, "ReadWriteType": "WriteOnly"}]
    assert properties["EnableLogFileValidation"] is True and properties["IsLogging"] is True
    assert properties["CloudWatchLogsLogGroupArn"]
    key_id = properties["KMSKeyId"]["Fn::GetAtt"][0]
    key = template["Resources"][key_id]
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = statements["CloudTrailEncryptsThisTrail"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert "aws:SourceArn" in encrypt["Condition"]["StringEquals"]
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 2
    for bucket in buckets.values():
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
        assert bucket["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    (logged,) = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    (rule,) = logged["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
