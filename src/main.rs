fn main() {
    #[cfg(target_arch = "wasm32")]
    kith::start()
}
