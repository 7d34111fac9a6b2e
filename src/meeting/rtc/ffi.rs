//! Bindings web-sys lacks: the argument-less `setLocalDescription()` (it
//! creates the right offer or answer itself, which perfect negotiation
//! relies on) and `restartIce()`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::RtcPeerConnection;

#[wasm_bindgen]
extern "C" {
    /// The same JS class as [`RtcPeerConnection`], for the missing methods.
    #[wasm_bindgen(js_name = RTCPeerConnection)]
    type PeerConnectionExt;

    #[wasm_bindgen(method, js_name = setLocalDescription)]
    fn set_local_description(this: &PeerConnectionExt) -> js_sys::Promise;

    #[wasm_bindgen(method, js_name = restartIce)]
    fn restart_ice(this: &PeerConnectionExt);
}

/// `pc.setLocalDescription()` (W3C WebRTC §4.4.1.6, implicit description).
pub fn set_local_description_implicit(pc: &RtcPeerConnection) -> js_sys::Promise {
    pc.unchecked_ref::<PeerConnectionExt>()
        .set_local_description()
}

/// `pc.restartIce()` (W3C WebRTC §4.4.1.6).
pub fn restart_ice(pc: &RtcPeerConnection) {
    pc.unchecked_ref::<PeerConnectionExt>().restart_ice();
}
