// Who a data directory belongs to: the `meta` record of `dataDir/raft/`, written once when the
// directory is first used, checked at every start. A Raft node that started on another node's
// directory (or on a directory of another cluster) would vote and acknowledge with someone else's
// log: silently wrong, so the driver refuses to start instead.
//
// The cluster is named by its canonical peer list, `1=host:port,2=host:port,...` (ids ascending,
// Raft addresses only: the advertised service endpoints may change freely). Its CRC-32C is the
// cluster id peers exchange in their hello frame, so a connection from another cluster is refused
// too. Membership is static: changing a Raft address makes a new cluster (docs/cluster.md).
//
// Format (framed like TSOR/TSOD, little-endian): `"TSRM" | u8 1 | u64 nodeId | u32 clusterLength |
// cluster (UTF-8) | u32 CRC-32C`. Decoding is total (only `DecodeError`).
import { crc32c } from '../../core/codec/crc32c.js';
import { utf8Decode, utf8Encode } from '../../core/codec/utf8.js';
import { DecodeError, ErrorCode } from '../../core/errors.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord } from '../../core/records/framed.js';
import { formatHostPort } from '../ports.js';
export const RAFT_META_MAGIC = 'TSRM';
export const RAFT_META_VERSION = 1;
/** Longest canonical cluster name stored (9 voters with long host names fit easily). */
export const RAFT_META_CLUSTER_BYTES_MAX = 16 * 1024;
const META_BYTES_MIN = RECORD_HEADER_BYTES + 8 + 4 + RECORD_CRC_BYTES;
const metaKind = { magic: RAFT_META_MAGIC, bytesMinByVersion: new Map([[RAFT_META_VERSION, META_BYTES_MIN]]) };
/** `1=host:port,2=host:port,...`: ids ascending, each with its Raft address. */
export function canonicalCluster(raftAddresses) {
    return [...raftAddresses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([id, address]) => `${id}=${formatHostPort(address)}`)
        .join(',');
}
/** The 32-bit cluster id carried by hello frames. */
export function clusterIdOf(cluster) {
    return crc32c(utf8Encode(cluster));
}
export function encodeRaftMeta(meta) {
    const cluster = utf8Encode(meta.cluster);
    return sealFramedRecord(RAFT_META_MAGIC, RAFT_META_VERSION, (w) => {
        w.u64n(meta.nodeId).u32(cluster.length).raw(cluster);
    }, META_BYTES_MIN + cluster.length);
}
/** Decodes a meta record. Throws only `DecodeError`. */
export function decodeRaftMeta(bytes) {
    if (bytes.length > META_BYTES_MIN + RAFT_META_CLUSTER_BYTES_MAX) {
        throw new DecodeError(ErrorCode.RECORD_TOO_LONG, `meta record of ${bytes.length} bytes`, 0);
    }
    const { body } = openFramedRecord(bytes, metaKind);
    const nodeId = body.u64n();
    const length = body.u32();
    if (length !== body.remaining)
        throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'meta cluster length does not match the record', body.offset);
    if (nodeId < 1)
        throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, 'meta node id 0', RECORD_HEADER_BYTES);
    const cluster = utf8Decode(body.view(length));
    return { nodeId, cluster };
}
/** Why `stored` is not this node's directory, or null when it is. */
export function metaMismatch(stored, expected, dir) {
    if (stored.nodeId !== expected.nodeId) {
        return `data directory ${dir} belongs to node ${stored.nodeId}, not to node ${expected.nodeId}; give each node its own directory`;
    }
    if (stored.cluster !== expected.cluster) {
        return (`data directory ${dir} belongs to another cluster (its peers: ${stored.cluster}; configured: ${expected.cluster}); ` +
            'membership is static, so a changed peer list needs fresh data directories');
    }
    return null;
}
//# sourceMappingURL=meta.js.map