package org.masterha.demo.master;

import io.grpc.stub.StreamObserver;
import org.masterha.proto.v1.GetInfoRequest;
import org.masterha.proto.v1.GetInfoResponse;
import org.masterha.proto.v1.LeaderEvent;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.WatchLeaderRequest;

/** Read-only calls any master answers: who it is, and the leader it sees. */
final class MasterServiceImpl extends MasterServiceGrpc.MasterServiceImplBase {
  private final DemoMaster master;
  private final LeaderWatchers watchers;

  MasterServiceImpl(DemoMaster master, LeaderWatchers watchers) {
    this.master = master;
    this.watchers = watchers;
  }

  @Override
  public void getInfo(GetInfoRequest request, StreamObserver<GetInfoResponse> response) {
    DemoMaster.View v = master.view();
    GetInfoResponse.Builder b =
        GetInfoResponse.newBuilder()
            .setSelf(master.info())
            .setLeading(v.leading())
            .setBackend(master.backend());
    v.leader().ifPresent(b::setLeader);
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void watchLeader(WatchLeaderRequest request, StreamObserver<LeaderEvent> response) {
    watchers.add(response);
  }
}
